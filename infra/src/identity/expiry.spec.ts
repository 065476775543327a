import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { TmpDirs } from '../testing/tmp';
import { selfSignedPem as selfSigned } from '../testing/x509';
import { certificatesOf } from './expiry';

const tmp = new TmpDirs();
afterAll(() => tmp.cleanup());

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
