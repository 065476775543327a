import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Writes a connection profile and the files it names (an EC P-256 key, placeholder certificates)
 * to a temporary folder, as the infra would for one organisation. For config, CLI and start-up
 * tests; the certificates are never presented to a peer.
 */
export function writeTestProfile(
  identities: { id: string; role: string }[] = [{ id: 'manufacturer-user1', role: 'manufacturer' }],
): {
  dir: string;
  profilePath: string;
} {
  const dir = mkdtempSync(join(tmpdir(), 'waybill-gw-'));
  mkdirSync(join(dir, 'crypto'));
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const keyPem = privateKey.export({ type: 'pkcs8', format: 'pem' });
  writeFileSync(
    join(dir, 'crypto', 'tlsca.pem'),
    '-----BEGIN CERTIFICATE-----\nplaceholder\n-----END CERTIFICATE-----\n',
  );
  for (const identity of identities) {
    writeFileSync(
      join(dir, 'crypto', `${identity.id}.cert.pem`),
      '-----BEGIN CERTIFICATE-----\nplaceholder\n-----END CERTIFICATE-----\n',
    );
    writeFileSync(join(dir, 'crypto', `${identity.id}.key.pem`), keyPem);
  }
  const profile = {
    organization: 'Manufacturer',
    mspId: 'ManufacturerMSP',
    channel: 'supplychain',
    chaincode: 'waybill',
    peers: [
      {
        name: 'peer0.manufacturer',
        endpoint: 'localhost:1',
        tlsRootCertPath: 'crypto/tlsca.pem',
        hostnameOverride: 'localhost',
      },
    ],
    identities: identities.map((i) => ({
      ...i,
      certPath: `crypto/${i.id}.cert.pem`,
      keyPath: `crypto/${i.id}.key.pem`,
    })),
    organizations: { ManufacturerMSP: 'Manufacturer', CarrierMSP: 'Carrier', RetailerMSP: 'Retailer' },
  };
  const profilePath = join(dir, 'manufacturer.json');
  writeFileSync(profilePath, JSON.stringify(profile, null, 2));
  return { dir, profilePath };
}
