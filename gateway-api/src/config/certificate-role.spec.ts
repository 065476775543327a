import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testCertificate as rawCertificate } from '../../../chaincode/src/testing/test-certificate';
import { certificateFileRole, certificateRole } from './certificate-role';
import { parseConnectionProfile } from './profile';

/** The chaincode's test certificate, without the blank line its PEM gets when the DER is a multiple of 48 bytes. */
const testCertificate = (cn: string, attrs: Record<string, string>) => rawCertificate(cn, attrs).replace(/\n\n/g, '\n');

describe('certificateRole', () => {
  it('reads waybill.role from the Fabric CA attribute extension', () => {
    expect(certificateRole(testCertificate('carrier-user1', { 'waybill.role': 'carrier', 'hf.Type': 'client' }))).toEqual({
      kind: 'role',
      role: 'carrier',
    });
    expect(certificateRole(testCertificate('peer0', { 'hf.Type': 'peer' }))).toEqual({ kind: 'no-role' });
    expect(certificateRole('-----BEGIN CERTIFICATE-----\nplaceholder\n-----END CERTIFICATE-----\n')).toEqual({
      kind: 'not-a-certificate',
    });
    expect(certificateFileRole('/nonexistent/cert.pem')).toEqual({ kind: 'not-a-certificate' });
  });

  it('makes a profile whose role differs from its certificate invalid', () => {
    const dir = mkdtempSync(join(tmpdir(), 'waybill-cert-'));
    writeFileSync(join(dir, 'user.pem'), testCertificate('u1', { 'waybill.role': 'carrier' }));
    writeFileSync(join(dir, 'none.pem'), testCertificate('u2', {}));
    const profile = (identities: { id: string; role: string; certPath: string }[]) => ({
      organization: 'Carrier',
      mspId: 'CarrierMSP',
      channel: 'supplychain',
      chaincode: 'waybill',
      peers: [{ name: 'p', endpoint: 'localhost:1', tlsRootCertPath: '/ca.pem' }],
      identities: identities.map((i) => ({ ...i, keyPath: '/k.pem' })),
      organizations: { CarrierMSP: 'Carrier' },
    });
    const ok = () => undefined;
    expect(parseConnectionProfile(profile([{ id: 'u1', role: 'carrier', certPath: 'user.pem' }]), dir, ok).problems).toEqual([]);
    expect(
      parseConnectionProfile(
        profile([
          { id: 'u1', role: 'admin', certPath: 'user.pem' },
          { id: 'u2', role: 'carrier', certPath: 'none.pem' },
        ]),
        dir,
        ok,
      ).problems,
    ).toEqual(['identities[0].role "admin" is not the role its certificate carries ("carrier")']);
  });
});
