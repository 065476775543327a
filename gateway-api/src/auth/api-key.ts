import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * API key format: `wb_<keyId>_<secret>`. The key id (16 hex) is public and finds the record; the
 * secret (32 random bytes, base64url) is stored only as its SHA-256. A slow password hash would
 * add nothing: the secret has 256 bits of entropy and is never chosen by a person.
 */
const FORMAT = /^wb_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;

/** The parts of a well-formed API key. */
export interface ParsedApiKey {
  readonly keyId: string;
  readonly secret: string;
}

/** Splits a presented key; `undefined` when it does not have the API key format. */
export function parseApiKey(key: string): ParsedApiKey | undefined {
  const match = FORMAT.exec(key);
  if (!match?.[1] || !match[2]) return undefined;
  return { keyId: match[1], secret: match[2] };
}

/** A new random API key. */
export function generateApiKey(): { key: string; keyId: string; secret: string } {
  const keyId = randomBytes(8).toString('hex');
  const secret = randomBytes(32).toString('base64url');
  return { key: `wb_${keyId}_${secret}`, keyId, secret };
}

/** Hex SHA-256 of a secret, as stored. */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/** Compares a presented secret with a stored hash in constant time. */
export function secretMatches(secret: string, storedSha256Hex: string): boolean {
  const presented = createHash('sha256').update(secret, 'utf8').digest();
  const stored = Buffer.from(storedSha256Hex, 'hex');
  return stored.length === presented.length && timingSafeEqual(presented, stored);
}
