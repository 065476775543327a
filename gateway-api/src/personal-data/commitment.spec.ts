import { createHash, createHmac } from 'node:crypto';
import { commitment, commitmentMatches, newRef, newSalt } from './commitment';

const REF = '0123456789abcdef0123456789abcdef';
const SALT = 'ab'.repeat(32);

describe('commitment', () => {
  it('is the documented HMAC-SHA256, 64 hex, recomputable by anyone with the record', () => {
    const expected = createHmac('sha256', Buffer.from(SALT, 'hex'))
      .update(`waybill-pd-v1\n${REF}\nphone\n+393331234567`)
      .digest('hex');
    expect(commitment(REF, 'phone', '+393331234567', SALT)).toBe(expected);
    expect(expected).toMatch(/^[0-9a-f]{64}$/);
  });

  it('is not the unsalted hash of the value, and changes with the salt, ref and category', () => {
    const c = commitment(REF, 'phone', '+393331234567', SALT);
    expect(c).not.toBe(createHash('sha256').update('+393331234567').digest('hex'));
    expect(commitment(REF, 'phone', '+393331234567', 'cd'.repeat(32))).not.toBe(c);
    expect(commitment('f'.repeat(32), 'phone', '+393331234567', SALT)).not.toBe(c);
    expect(commitment(REF, 'notes', '+393331234567', SALT)).not.toBe(c);
  });

  it('matches only the committed value and salt', () => {
    const c = commitment(REF, 'email', 'a@example.org', SALT);
    expect(commitmentMatches(c, REF, 'email', 'a@example.org', SALT)).toBe(true);
    expect(commitmentMatches(c, REF, 'email', 'b@example.org', SALT)).toBe(false);
    expect(commitmentMatches(c, REF, 'email', 'a@example.org', '00'.repeat(32))).toBe(false);
    expect(commitmentMatches('abcd', REF, 'email', 'a@example.org', SALT)).toBe(false);
  });

  it('draws refs in the chaincode format and 32-byte salts, never twice the same', () => {
    expect(newRef()).toMatch(/^[0-9a-f]{32}$/);
    expect(newSalt()).toMatch(/^[0-9a-f]{64}$/);
    expect(new Set(Array.from({ length: 100 }, newRef)).size).toBe(100);
  });
});
