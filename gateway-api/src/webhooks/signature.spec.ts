import { createHmac } from 'node:crypto';
import { signatureHeader, signPayload, verifySignature } from './signature';

describe('webhook signatures', () => {
  const secret = 'whsec_test-secret-0123456789';
  const body = '{"id":"tx1:AssetCreated","name":"AssetCreated"}';

  it('is the hex HMAC-SHA256 of "<timestamp>.<body>" (the documented algorithm)', () => {
    const expected = createHmac('sha256', secret).update(`1700000000.${body}`).digest('hex');
    expect(signPayload(secret, 1_700_000_000, body)).toBe(expected);
    expect(signatureHeader(secret, 1_700_000_000, body)).toBe(`t=1700000000,v1=${expected}`);
  });

  it('verifies its own header within the tolerance', () => {
    const header = signatureHeader(secret, 1_700_000_000, body);
    expect(verifySignature(secret, header, body, { nowSeconds: 1_700_000_100 })).toBe('ok');
  });

  it('refuses another body, another secret, an old timestamp and garbage', () => {
    const header = signatureHeader(secret, 1_700_000_000, body);
    const now = { nowSeconds: 1_700_000_000 };
    expect(verifySignature(secret, header, `${body} `, now)).toBe('mismatch');
    expect(verifySignature('other-secret-0123456789', header, body, now)).toBe('mismatch');
    expect(verifySignature(secret, header, body, { nowSeconds: 1_700_000_301 })).toBe('expired');
    expect(verifySignature(secret, undefined, body, now)).toBe('malformed');
    expect(verifySignature(secret, 't=abc,v1=00', body, now)).toBe('malformed');
    expect(verifySignature(secret, `v1=${signPayload(secret, 1, body)}`, body, now)).toBe('malformed');
  });

  it('accepts any of several v1 signatures (secret rotation)', () => {
    const good = signPayload(secret, 1_700_000_000, body);
    const header = `t=1700000000,v1=${'0'.repeat(64)},v1=${good}`;
    expect(verifySignature(secret, header, body, { nowSeconds: 1_700_000_000 })).toBe('ok');
  });
});
