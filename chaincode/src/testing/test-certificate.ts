import { generateKeyPairSync, sign } from 'crypto';

/**
 * Builds an X.509 v3 certificate (PEM) like a Fabric CA enrolment certificate: a subject CN and
 * the attribute extension (OID 1.2.3.4.5.6.7.8.1, JSON `{"attrs":{...}}`) that fabric-shim's
 * ClientIdentity reads. Lets tests drive the contract through the real shim dispatcher. Not for
 * anything but tests: fixed validity, throw-away key.
 */

const FABRIC_ATTRS_OID = '1.2.3.4.5.6.7.8.1';
const ECDSA_SHA256_OID = '1.2.840.10045.4.3.2';
const COMMON_NAME_OID = '2.5.4.3';
const ORGANIZATIONAL_UNIT_OID = '2.5.4.11';

function length(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v >>= 8) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

function tlv(tag: number, content: Buffer): Buffer {
  return Buffer.concat([Buffer.from([tag]), length(content.length), content]);
}

const seq = (...items: Buffer[]): Buffer => tlv(0x30, Buffer.concat(items));
const set = (...items: Buffer[]): Buffer => tlv(0x31, Buffer.concat(items));
const utf8 = (text: string): Buffer => tlv(0x0c, Buffer.from(text, 'utf8'));
const utcTime = (text: string): Buffer => tlv(0x17, Buffer.from(text, 'ascii'));
const octets = (bytes: Buffer): Buffer => tlv(0x04, bytes);
const bits = (bytes: Buffer): Buffer => tlv(0x03, Buffer.concat([Buffer.from([0]), bytes]));
const explicit = (n: number, content: Buffer): Buffer => tlv(0xa0 + n, content);
const integer = (n: number): Buffer => tlv(0x02, Buffer.from([n]));

function oid(dotted: string): Buffer {
  const [a = 0, b = 0, ...rest] = dotted.split('.').map(Number);
  const bytes = [40 * a + b];
  for (const arc of rest) {
    const chunk: number[] = [arc & 0x7f];
    for (let v = arc >> 7; v > 0; v >>= 7) chunk.unshift((v & 0x7f) | 0x80);
    bytes.push(...chunk);
  }
  return tlv(0x06, Buffer.from(bytes));
}

function name(parts: readonly [string, string][]): Buffer {
  return seq(...parts.map(([type, value]) => set(seq(oid(type), utf8(value)))));
}

/** A PEM certificate for `commonName` carrying the given Fabric CA attributes. */
export function testCertificate(commonName: string, attrs: Readonly<Record<string, string>>): string {
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const algorithm = seq(oid(ECDSA_SHA256_OID));
  const tbs = seq(
    explicit(0, integer(2)),
    integer(1),
    algorithm,
    name([[COMMON_NAME_OID, 'test-ca']]),
    seq(utcTime('250101000000Z'), utcTime('350101000000Z')),
    name([
      [ORGANIZATIONAL_UNIT_OID, 'client'],
      [COMMON_NAME_OID, commonName],
    ]),
    publicKey.export({ type: 'spki', format: 'der' }),
    explicit(3, seq(seq(oid(FABRIC_ATTRS_OID), octets(Buffer.from(JSON.stringify({ attrs }), 'utf8'))))),
  );
  const certificate = seq(tbs, algorithm, bits(sign('sha256', tbs, privateKey)));
  const base64 = certificate.toString('base64').replace(/(.{64})/g, '$1\n');
  return `-----BEGIN CERTIFICATE-----\n${base64}\n-----END CERTIFICATE-----\n`;
}
