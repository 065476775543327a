import { KeyRing, kekId, legacyKekId, newDataKey, open, SealError, seal } from './envelope-crypto';

const key = Buffer.alloc(32, 1);
const other = Buffer.alloc(32, 2);

describe('seal / open (AES-256-GCM)', () => {
  it('round-trips, with a fresh IV each time, and the plaintext nowhere in the output', () => {
    const plaintext = Buffer.from('Maria Rossi, Via Roma 1');
    const a = seal(key, plaintext, 'ctx');
    const b = seal(key, plaintext, 'ctx');
    expect(a).not.toBe(b);
    expect(a).toMatch(/^v1\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{22}$/);
    expect(a).not.toContain('Maria');
    expect(Buffer.from(a.split('.')[2] ?? '', 'base64url').toString('latin1')).not.toContain('Maria');
    expect(open(key, a, 'ctx').toString()).toBe('Maria Rossi, Via Roma 1');
  });

  it.each([
    ['another key', (s: string) => open(other, s, 'ctx')],
    ['another context', (s: string) => open(key, s, 'ctx2')],
    [
      'a flipped ciphertext byte',
      (s: string) => {
        const [v, iv, body, tag] = s.split('.');
        const bytes = Buffer.from(body ?? '', 'base64url');
        bytes[0] = (bytes[0] ?? 0) ^ 1;
        return open(key, [v, iv, bytes.toString('base64url'), tag].join('.'), 'ctx');
      },
    ],
    ['an unknown format', (s: string) => open(key, s.replace(/^v1/, 'v9'), 'ctx')],
  ])('refuses to open with %s, without echoing the data', (_name, attempt) => {
    const sealed = seal(key, Buffer.from('secret value'), 'ctx');
    expect(() => attempt(sealed)).toThrow(SealError);
    try {
      attempt(sealed);
    } catch (err) {
      expect((err as Error).message).not.toContain('secret');
    }
  });

  it('refuses keys that are not 32 bytes', () => {
    expect(() => seal(Buffer.alloc(16), Buffer.from('x'), 'c')).toThrow('an AES-256 key has 32 bytes');
  });
});

describe('KeyRing', () => {
  it('wraps under the current KEK and unwraps under any configured one', () => {
    const dataKey = newDataKey();
    const old = new KeyRing(key);
    const wrapped = old.wrap(dataKey, 'subject-1');
    expect(wrapped.kekId).toBe(kekId(key));
    expect(wrapped.kekId).toMatch(/^[0-9a-f]{16}$/);
    const rotated = new KeyRing(other, [key]);
    expect(rotated.currentId).toBe(kekId(other));
    expect(rotated.ids).toEqual([kekId(other), kekId(key)]);
    expect(rotated.unwrap(wrapped.wrapped, wrapped.kekId, 'subject-1')).toEqual(dataKey);
    const rewrapped = rotated.wrap(dataKey, 'subject-1');
    expect(new KeyRing(other).unwrap(rewrapped.wrapped, rewrapped.kekId, 'subject-1')).toEqual(dataKey);
  });

  it('does not unwrap a key bound to another subject, or under a KEK it lacks', () => {
    const ring = new KeyRing(key);
    const wrapped = ring.wrap(newDataKey(), 'subject-1');
    expect(() => ring.unwrap(wrapped.wrapped, wrapped.kekId, 'subject-2')).toThrow(SealError);
    expect(() => new KeyRing(other).unwrap(wrapped.wrapped, wrapped.kekId, 'subject-1')).toThrow(
      `key-encryption key ${kekId(key)} is not configured`,
    );
  });

  it('wraps with a key derived from the KEK (HKDF), and still unwraps what the KEK itself wrapped', () => {
    const dataKey = newDataKey();
    // A data key wrapped by an earlier version: under the KEK itself, with the v1 id.
    const legacy = seal(key, dataKey, 'waybill:dek:subject-1');
    const ring = new KeyRing(key);
    expect(legacyKekId(key)).not.toBe(kekId(key));
    expect(ring.has(legacyKekId(key))).toBe(true);
    expect(ring.unwrap(legacy, legacyKekId(key), 'subject-1')).toEqual(dataKey);
    // New wraps never use the KEK itself.
    const wrapped = ring.wrap(dataKey, 'subject-1');
    expect(() => open(key, wrapped.wrapped, 'waybill:dek:subject-1')).toThrow(SealError);
    expect(ring.ids).toEqual([kekId(key)]);
  });

  it('rotates: the new KEK wraps, the old one unwraps until it is forgotten (destroyed)', () => {
    const ring = new KeyRing(key);
    const wrapped = ring.wrap(newDataKey(), 'subject-1');
    expect(ring.rotate(other)).toBe(kekId(other));
    expect(ring.wrap(newDataKey(), 's').kekId).toBe(kekId(other));
    expect(ring.unwrap(wrapped.wrapped, wrapped.kekId, 'subject-1')).toHaveLength(32);
    expect(ring.forgetPrevious()).toEqual([kekId(key)]);
    expect(ring.ids).toEqual([kekId(other)]);
    expect(() => ring.unwrap(wrapped.wrapped, wrapped.kekId, 'subject-1')).toThrow(/not configured/);
  });

  it('refuses a KEK that is not 32 bytes', () => {
    expect(() => new KeyRing(Buffer.alloc(31))).toThrow('a key-encryption key has 32 bytes');
  });
});
