import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';

/** The DER of OID 1.2.3.4.5.6.7.8.1, Fabric CA's attribute extension (`{"attrs":{…}}`). */
const FABRIC_ATTRS_OID = Buffer.from([0x06, 0x08, 0x2a, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x01]);
/** The certificate attribute carrying an identity's role (chaincode/src/constants.ts ROLE_ATTRIBUTE). */
const ROLE_ATTRIBUTE = 'waybill.role';

/** What a certificate file says about the role of the identity it belongs to. */
export type CertificateRole =
  | { readonly kind: 'role'; readonly role: string }
  | { readonly kind: 'no-role' }
  | { readonly kind: 'not-a-certificate' };

/** One DER element at `at`: its tag, where its content starts and ends. */
function element(der: Buffer, at: number): { tag: number; start: number; end: number } | undefined {
  const tag = der[at];
  let len = der[at + 1];
  if (tag === undefined || len === undefined) return undefined;
  let start = at + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n < 1 || n > 4) return undefined;
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + (der[start + i] ?? 0);
    start += n;
  }
  const end = start + len;
  return end <= der.length ? { tag, start, end } : undefined;
}

/**
 * The `waybill.role` attribute a Fabric CA wrote into an enrolment certificate (the attribute
 * extension's JSON), as the chaincode reads it. The extension is found by its OID in the parsed
 * certificate's DER: an `Extension` is `SEQUENCE { OID, [BOOLEAN critical], OCTET STRING value }`.
 */
export function certificateRole(pem: string | Buffer): CertificateRole {
  let der: Buffer;
  try {
    der = new X509Certificate(pem).raw;
  } catch {
    return { kind: 'not-a-certificate' };
  }
  const at = der.indexOf(FABRIC_ATTRS_OID);
  if (at < 0) return { kind: 'no-role' };
  let next = element(der, at + FABRIC_ATTRS_OID.length);
  if (next?.tag === 0x01) next = element(der, next.end);
  if (next?.tag !== 0x04) return { kind: 'no-role' };
  try {
    const json = JSON.parse(der.subarray(next.start, next.end).toString('utf8')) as {
      attrs?: Record<string, unknown>;
    };
    const role = json.attrs?.[ROLE_ATTRIBUTE];
    return typeof role === 'string' ? { kind: 'role', role } : { kind: 'no-role' };
  } catch {
    return { kind: 'no-role' };
  }
}

/** {@link certificateRole} of a PEM file; unreadable counts as not a certificate. */
export function certificateFileRole(path: string): CertificateRole {
  try {
    return certificateRole(readFileSync(path));
  } catch {
    return { kind: 'not-a-certificate' };
  }
}
