import { generateKeyPairSync, verify } from 'node:crypto';
import { authToken } from './ca-client';

describe('Fabric CA token authentication', () => {
  it('signs method.b64(uri).b64(body).b64(cert) with the caller key, as fabric-ca util.GenECDSAToken does', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    // The CA reads the certificate from the token; any PEM text stands in for it here.
    const certificate = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
    const body = Buffer.from('{"id":"user1"}');
    const token = await authToken({ certificate, key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() }, 'POST', '/api/v1/register', body);
    const [cert, sig] = token.split('.');
    expect(Buffer.from(cert ?? '', 'base64').toString()).toBe(certificate);
    const b64 = (s: string | Buffer): string => Buffer.from(s).toString('base64');
    const payload = `POST.${b64('/api/v1/register')}.${b64(body)}.${b64(certificate)}`;
    expect(verify('sha256', Buffer.from(payload), publicKey, Buffer.from(sig ?? '', 'base64'))).toBe(true);
    // Any other request (another URI) does not verify with this token.
    const other = `POST.${b64('/api/v1/revoke')}.${b64(body)}.${b64(certificate)}`;
    expect(verify('sha256', Buffer.from(other), publicKey, Buffer.from(sig ?? '', 'base64'))).toBe(false);
  });
});
