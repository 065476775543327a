import { CliError } from '../common/errors';
import { channelOrganizations, parseUser, partnerNodes, partnerPorts, partnerSettings } from './partner-spec';

describe('partner settings', () => {
  it('defaults to a carrier user and an admin, and a domain from the name', () => {
    expect(partnerSettings({ name: 'Forwarder', mspId: 'ForwarderMSP', basePort: 24000 })).toEqual({
      name: 'Forwarder',
      mspId: 'ForwarderMSP',
      domain: 'forwarder.waybill.local',
      basePort: 24000,
      users: [
        { id: 'forwarder-user1', role: 'carrier' },
        { id: 'forwarder-admin1', role: 'admin' },
      ],
    });
  });

  it('names every problem at once', () => {
    expect(() => partnerSettings({ name: '9x', mspId: '-M', basePort: 80, users: [{ id: 'a', role: 'carrier' }, { id: 'a', role: 'admin' }] })).toThrow(
      new CliError(
        '--name "9x" must be a letter then letters or digits (at most 31); --msp-id "-M" must be a letter then letters, digits, . and -; --base-port 80 must be an integer between 1024 and 60000; user a is listed twice',
      ),
    );
  });

  it('parses --user id:role and refuses unknown roles', () => {
    expect(parseUser('ship-1:carrier', [{ id: 'a', role: 'admin' }])).toEqual([
      { id: 'a', role: 'admin' },
      { id: 'ship-1', role: 'carrier' },
    ]);
    expect(() => parseUser('ship-1:captain')).toThrow(/must be id:role/);
    expect(() => parseUser('Ship:carrier')).toThrow(/must be id:role/);
    expect(() => parseUser('ship:carrier:x')).toThrow(/must be id:role/);
  });
});

describe('partner nodes', () => {
  it('lays its ports out from its base port', () => {
    const n = partnerNodes(partnerSettings({ name: 'Forwarder', mspId: 'ForwarderMSP', basePort: 24000 }));
    expect(partnerPorts(n)).toEqual([
      ['ca.forwarder', 24000],
      ['ca.forwarder operations', 24001],
      ['peer0.forwarder', 24010],
      ['peer0.forwarder operations', 24011],
      ['peer0.forwarder chaincode', 24012],
      ['chaincode.forwarder', 24020],
      ['api.forwarder', 24030],
    ]);
    expect(n.org).toMatchObject({ key: 'forwarder', isOrderer: false, oversight: false, peers: [n.peer], ca: n.ca });
    expect(n.peer).toMatchObject({ enrollId: 'peer0-forwarder', mspId: 'ForwarderMSP', failover: false });
  });
});

describe('channel organisations of a partner profile', () => {
  it('names the others by MSP ID without the suffix and itself by its own name', () => {
    expect(channelOrganizations(['ManufacturerMSP', 'Org9', 'ForwarderMSP'], { mspId: 'ForwarderMSP', name: 'Fwd' })).toEqual({
      ForwarderMSP: 'Fwd',
      ManufacturerMSP: 'Manufacturer',
      Org9: 'Org9',
    });
    expect(channelOrganizations([], { mspId: 'XMSP', name: 'X' })).toEqual({ XMSP: 'X' });
  });
});
