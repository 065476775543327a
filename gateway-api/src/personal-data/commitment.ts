import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** Prefix of the committed message; a new scheme gets a new prefix. */
export const COMMITMENT_SCHEME = 'waybill-pd-v1';

/**
 * The commitment written to the ledger for one personal-data record:
 * `HMAC-SHA256(key = salt, message = "waybill-pd-v1\n" + ref + "\n" + category + "\n" + value)`, hex.
 *
 * The salt (32 random bytes) stays off-chain with the record, so the commitment cannot be checked
 * against guesses (a phone number has few enough values to enumerate an unsalted hash); binding the
 * ref and category stops a commitment being replayed for another record. Anyone holding the record
 * (value and salt) can recompute it — that is the `verify` operation.
 */
export function commitment(ref: string, category: string, value: string, saltHex: string): string {
  return createHmac('sha256', Buffer.from(saltHex, 'hex'))
    .update(`${COMMITMENT_SCHEME}\n${ref}\n${category}\n${value}`, 'utf8')
    .digest('hex');
}

/** Whether `value` and `salt` open the `expected` commitment (constant-time comparison). */
export function commitmentMatches(
  expected: string,
  ref: string,
  category: string,
  value: string,
  saltHex: string,
): boolean {
  const actual = Buffer.from(commitment(ref, category, value, saltHex), 'hex');
  const wanted = Buffer.from(expected, 'hex');
  return wanted.length === actual.length && timingSafeEqual(actual, wanted);
}

/** A fresh salt: 32 random bytes, hex. */
export function newSalt(): string {
  return randomBytes(32).toString('hex');
}

/** A fresh opaque ledger reference: 32 random lowercase hex (the chaincode's format). */
export function newRef(): string {
  return randomBytes(16).toString('hex');
}
