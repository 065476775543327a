import { type KeyObject, sign } from 'node:crypto';

/** Signs a whole message (the SDK's `hash.none` passes it unchanged); resolves to a DER signature. */
export type MessageSigner = (message: Uint8Array) => Promise<Uint8Array>;

/** Group orders of the curves Fabric CAs issue keys on. */
const ORDERS: Readonly<
  Record<string, { readonly n: bigint; readonly bytes: number; readonly hash: string }>
> = {
  prime256v1: {
    n: 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n,
    bytes: 32,
    hash: 'sha256',
  },
  secp384r1: {
    n: 0xffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973n,
    bytes: 48,
    hash: 'sha384',
  },
};

/**
 * An ECDSA signer on Node's native crypto (OpenSSL), for use with the SDK's `hash.none`.
 *
 * Why not `signers.newPrivateKeySigner`: it signs with @noble/curves in JavaScript, which profiling
 * showed to be the largest CPU cost of a gateway request (a third of the busy time on an evaluate)
 * — every proposal and commit-status request is signed. OpenSSL does the same work several times
 * faster. Fabric accepts only low-S signatures, so S is normalised (s > n/2 → n − s) as the SDK does.
 *
 * @throws Error when the key is not an EC key on P-256 or P-384.
 */
export function newNativeSigner(privateKey: KeyObject): MessageSigner {
  const curve = privateKey.asymmetricKeyDetails?.namedCurve;
  const order = curve === undefined ? undefined : ORDERS[curve];
  if (privateKey.asymmetricKeyType !== 'ec' || !order) {
    throw new Error(`unsupported signing key: ${privateKey.asymmetricKeyType ?? '?'} ${curve ?? ''}`.trim());
  }
  return (message) => {
    const raw = sign(order.hash, message, { key: privateKey, dsaEncoding: 'ieee-p1363' });
    return Promise.resolve(lowSDer(raw, order.n, order.bytes));
  };
}

/** DER `SEQUENCE { INTEGER r, INTEGER s }` from an IEEE P1363 `r || s`, with S made low. */
export function lowSDer(p1363: Uint8Array, n: bigint, bytes: number): Uint8Array {
  const r = toBigInt(p1363.subarray(0, bytes));
  let s = toBigInt(p1363.subarray(bytes, 2 * bytes));
  if (s > n >> 1n) s = n - s;
  const body = Buffer.concat([derInteger(r), derInteger(s)]);
  return Buffer.concat([Buffer.from([0x30]), derLength(body.length), body]);
}

function toBigInt(bytes: Uint8Array): bigint {
  return BigInt(`0x${Buffer.from(bytes).toString('hex') || '0'}`);
}

function derInteger(value: bigint): Buffer {
  let hex = value.toString(16);
  if (hex.length % 2) hex = `0${hex}`;
  let content = Buffer.from(hex, 'hex');
  // A set high bit would read as negative: prefix a zero byte.
  if ((content[0] ?? 0) & 0x80) content = Buffer.concat([Buffer.from([0]), content]);
  return Buffer.concat([Buffer.from([0x02]), derLength(content.length), content]);
}

function derLength(length: number): Buffer {
  return length < 0x80 ? Buffer.from([length]) : Buffer.from([0x81, length]);
}
