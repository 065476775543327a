import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConnectionProfile, parseConnectionProfile, ProfileError } from './profile';

const exists = () => undefined;

const valid = {
  organization: 'Manufacturer',
  mspId: 'ManufacturerMSP',
  channel: 'supplychain',
  chaincode: 'waybill',
  peers: [
    {
      name: 'peer0.manufacturer',
      endpoint: 'localhost:7051',
      tlsRootCertPath: '/abs/tlsca.pem',
      hostnameOverride: 'localhost',
    },
  ],
  identities: [
    { id: 'manufacturer-user1', role: 'manufacturer', certPath: 'certs/cert.pem', keyPath: '/abs/key.pem' },
  ],
  organizations: { ManufacturerMSP: 'Manufacturer', CarrierMSP: 'Carrier', RetailerMSP: 'Retailer' },
};

describe('parseConnectionProfile', () => {
  it('accepts the profile the infra writes and resolves relative paths against its folder', () => {
    const result = parseConnectionProfile(valid, '/profiles', exists);
    expect(result).toEqual({
      problems: [],
      profile: {
        ...valid,
        identities: [
          {
            id: 'manufacturer-user1',
            role: 'manufacturer',
            certPath: '/profiles/certs/cert.pem',
            keyPath: '/abs/key.pem',
          },
        ],
      },
    });
  });

  it('lists every problem at once', () => {
    const result = parseConnectionProfile(
      {
        organization: '',
        mspId: 'Bad MSP',
        channel: 'supplychain',
        peers: [{ name: 'p', endpoint: 'no-port', tlsRootCertPath: '/missing.pem' }],
        identities: [
          { id: 'u1', role: 'pilot', certPath: '/c.pem', keyPath: '/k.pem' },
          { id: 'u1', role: 'carrier', certPath: '/c.pem', keyPath: '/k.pem' },
        ],
        organizations: { CarrierMSP: 'Carrier' },
      },
      '/',
      (path) => (path === '/missing.pem' ? 'is not a readable file' : undefined),
    );
    expect(result.profile).toBeUndefined();
    expect(result.problems).toEqual([
      'organization must be a non-empty string',
      'mspId has an invalid format ("Bad MSP")',
      'chaincode must be a non-empty string',
      'peers[0].endpoint has an invalid format ("no-port")',
      'peers[0].tlsRootCertPath /missing.pem is not a readable file',
      'identities[0].role must be one of manufacturer, carrier, retailer, regulator, auditor, admin',
      'identities[1].id "u1" is not unique',
      "organizations must include this organisation's own MSP ID Bad MSP",
    ]);
  });

  it('rejects what is not an object', () => {
    expect(parseConnectionProfile([], '/', exists)).toEqual({
      problems: ['the profile is not a JSON object'],
    });
  });
});

describe('loadConnectionProfile', () => {
  const dir = mkdtempSync(join(tmpdir(), 'waybill-profile-'));

  it('reads a file and checks that the files it names exist', () => {
    const path = join(dir, 'manufacturer.json');
    writeFileSync(path, JSON.stringify(valid));
    expect(() => loadConnectionProfile(path)).toThrow(ProfileError);
    try {
      loadConnectionProfile(path);
    } catch (err) {
      expect(err).toMatchObject({
        name: 'ProfileError',
        path,
        problems: [
          'peers[0].tlsRootCertPath /abs/tlsca.pem is not a readable file',
          `identities[0].certPath ${join(dir, 'certs/cert.pem')} is not a readable file`,
          'identities[0].keyPath /abs/key.pem is not a readable file',
        ],
      });
    }
  });

  it('reports a missing file and invalid JSON', () => {
    expect(() => loadConnectionProfile(join(dir, 'absent.json'))).toThrow(/the file cannot be read/);
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{ not json');
    expect(() => loadConnectionProfile(bad)).toThrow(/the file is not valid JSON/);
  });
});
