import { createHash, generateKeyPairSync, verify } from 'node:crypto';
import { lowSDer, newNativeSigner } from './native-signer';

const P256_N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;

/** r and s of a DER ECDSA signature (short-form lengths, as P-256/P-384 signatures have). */
function parseDer(der: Uint8Array): { r: bigint; s: bigint } {
  const b = Buffer.from(der);
  expect(b[0]).toBe(0x30);
  expect(b[1]).toBe(b.length - 2);
  const rLen = b[3] ?? 0;
  const r = b.subarray(4, 4 + rLen);
  const s = b.subarray(6 + rLen);
  expect(b[4 + rLen]).toBe(0x02);
  return { r: BigInt(`0x${r.toString('hex')}`), s: BigInt(`0x${s.toString('hex')}`) };
}

describe('newNativeSigner', () => {
  it.each([
    ['prime256v1', 'sha256'],
    ['secp384r1', 'sha384'],
  ])('signs whole messages on %s with verifiable, low-S DER signatures', async (namedCurve, hash) => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve });
    const sign = newNativeSigner(privateKey);
    for (let i = 0; i < 64; i++) {
      const message = createHash('sha512').update(`proposal ${i}`).digest();
      const signature = await sign(message);
      expect(verify(hash, message, { key: publicKey, dsaEncoding: 'der' }, signature)).toBe(true);
      if (namedCurve === 'prime256v1') expect(parseDer(signature).s <= P256_N >> 1n).toBe(true);
    }
  });

  it('refuses keys Fabric identities do not use', () => {
    const { privateKey } = generateKeyPairSync('ed25519');
    expect(() => newNativeSigner(privateKey)).toThrow('unsupported signing key: ed25519');
  });
});

describe('lowSDer', () => {
  it('replaces a high S by n − S and encodes integers with a leading zero when the high bit is set', () => {
    const r = Buffer.alloc(32, 0xff);
    const highS = P256_N - 5n;
    const p1363 = Buffer.concat([r, Buffer.from(highS.toString(16).padStart(64, '0'), 'hex')]);
    const der = Buffer.from(lowSDer(p1363, P256_N, 32));
    expect(parseDer(der)).toEqual({ r: BigInt(`0x${r.toString('hex')}`), s: 5n });
    // r = 0xff… needs a zero byte: 33 content bytes; s = 5 needs one.
    expect([...der.subarray(0, 5)]).toEqual([0x30, 2 + 33 + 2 + 1, 0x02, 33, 0x00]);
  });
});
