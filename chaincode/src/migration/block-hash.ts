import { createHash } from 'crypto';

/**
 * Fabric's block hash: SHA-256 of the ASN.1 DER encoding of SEQUENCE { INTEGER number,
 * OCTET STRING previousHash, OCTET STRING dataHash } (protoutil.BlockHeaderBytes), the value the
 * next block carries as its previous hash. Three DER fields, encoded here rather than pulling an
 * ASN.1 library in. Shared by `waybill migrate` (record provenance) and the gateway (the identity
 * of the network it reads: its channel's genesis block hash).
 */
export function blockHeaderHash(number: bigint, previousHash: Uint8Array, dataHash: Uint8Array): string {
  const body = Buffer.concat([derInteger(number), derTlv(0x04, Buffer.from(previousHash)), derTlv(0x04, Buffer.from(dataHash))]);
  return createHash('sha256').update(derTlv(0x30, body)).digest('hex');
}

function derLength(length: number): Buffer {
  if (length < 0x80) return Buffer.from([length]);
  const bytes: number[] = [];
  for (let n = length; n > 0; n = Math.floor(n / 256)) bytes.unshift(n % 256);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

function derTlv(tag: number, value: Buffer): Buffer {
  return Buffer.concat([Buffer.from([tag]), derLength(value.length), value]);
}

// BigInt(…) rather than literals: the Fabric 2.2 build targets ES2019 (Node 12 has BigInt, the
// target has no literal syntax for it).
const ZERO = BigInt(0);
const EIGHT = BigInt(8);
const BYTE = BigInt(0xff);

function derInteger(n: bigint): Buffer {
  if (n < ZERO) throw new RangeError('block numbers are unsigned');
  const bytes: number[] = [];
  for (let v = n; v > ZERO; v >>= EIGHT) bytes.unshift(Number(v & BYTE));
  if (bytes.length === 0 || (bytes[0] as number) >= 0x80) bytes.unshift(0);
  return derTlv(0x02, Buffer.from(bytes));
}
