import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { webcrypto } from 'node:crypto';
import { TmpDirs } from '../testing/tmp';
import { certificatesOf } from './expiry';

const tmp = new TmpDirs();
afterAll(() => tmp.cleanup());

async function selfSigned(cn: string, days: number): Promise<string> {
  x509.cryptoProvider.set(webcrypto as never);
  const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
  const keys = await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify']);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    name: `CN=${cn}`,
    keys: keys as never,
    signingAlgorithm: alg,
    notBefore: new Date(Date.now() - 86_400_000),
    notAfter: new Date(Date.now() + days * 86_400_000 + 3_600_000),
  });
  return cert.toString('pem');
}

describe('certificate expiry', () => {
  it("lists users' and nodes' enrolment and TLS certificates, soonest first", async () => {
    const root = tmp.make();
    const put = (rel: string, pem: string): void => {
      mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
      writeFileSync(path.join(root, rel), pem);
    };
    put('orgs/carrier/users/bob/msp/signcerts/cert.pem', await selfSigned('bob', 5));
    put('nodes/peer0.carrier/tls/server.crt', await selfSigned('peer0', 300));
    expect(certificatesOf(root)).toMatchObject([
      { file: 'orgs/carrier/users/bob/msp/signcerts/cert.pem', subject: 'CN=bob', daysLeft: 5 },
      { file: 'nodes/peer0.carrier/tls/server.crt', subject: 'CN=peer0', daysLeft: 300 },
    ]);
    expect(certificatesOf(path.join(root, 'nowhere'))).toEqual([]);
  });
});
