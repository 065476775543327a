import { hostShare, loadTopology, normaliseTopology, tlsHostsOf, validateTopology, type Host, type Topology } from './topology';
import { CliError } from '../common/errors';
import { REAL_TOPOLOGY, TEST_BASE_PORT, validRawTopology } from '../testing/fixtures';
import { TmpDirs } from '../testing/tmp';
import { writeFileSync } from 'node:fs';
import path from 'node:path';

/** The problems a validation error lists, in order. */
function problemsOf(raw: unknown): string[] {
  try {
    validateTopology(raw, 'topo.yaml');
  } catch (err) {
    expect(err).toBeInstanceOf(CliError);
    const message = (err as Error).message;
    expect(message.startsWith('invalid topology: ')).toBe(true);
    return message.slice('invalid topology: '.length).split('; ');
  }
  throw new Error('expected validateTopology to throw');
}

/** Every port a topology assigns, by owner. */
function allPorts(t: Topology): Record<string, number> {
  const out: Record<string, number> = {};
  for (const ca of t.cas) Object.assign(out, { [ca.name]: ca.port, [`${ca.name}/ops`]: ca.operationsPort });
  for (const o of t.orderers) {
    Object.assign(out, {
      [o.name]: o.port,
      [`${o.name}/ops`]: o.operationsPort,
      [`${o.name}/admin`]: o.adminPort,
    });
  }
  for (const p of t.peers) {
    Object.assign(out, {
      [p.name]: p.port,
      [`${p.name}/ops`]: p.operationsPort,
      [`${p.name}/cc`]: p.chaincodePort,
    });
  }
  for (const o of t.peerOrgs) out[`api.${o.key}`] = o.apiPort ?? -1;
  for (const c of t.chaincodeServers) out[c.name] = c.port;
  return out;
}

describe('validateTopology', () => {
  it('accepts a valid topology and returns its typed spec', () => {
    expect(validateTopology(validRawTopology())).toEqual({
      name: 'mini',
      basePort: 20000,
      channel: 'minichannel',
      ordering: {
        type: 'etcdraft',
        batchTimeout: '250ms',
        maxMessageCount: 10,
        absoluteMaxBytes: '1 MB',
        preferredMaxBytes: '512 KB',
      },
      chaincode: { name: 'mini', signaturePolicy: "OR('AlphaMSP.peer','BetaMSP.peer')" },
      organizations: [
        { name: 'Ord', mspId: 'OrdMSP', domain: 'ord.test', users: [], orderers: ['o0'] },
        {
          name: 'Alpha',
          mspId: 'AlphaMSP',
          domain: 'alpha.test',
          users: [{ id: 'alpha-user', role: 'manufacturer' }],
          peers: ['peer0', 'peer1'],
          failoverPeers: ['peer9'],
        },
        { name: 'Beta', mspId: 'BetaMSP', domain: 'beta.test', users: [], peers: ['peer0'] },
      ],
    });
  });

  it('lists every problem of a broken topology in one error', () => {
    const raw = validRawTopology();
    raw['colour'] = 'blue';
    raw['name'] = '9lives';
    raw['basePort'] = 80;
    raw['ordering'] = {
      type: 'solo',
      batchTimeout: '2 seconds',
      maxMessageCount: 0,
      absoluteMaxBytes: '10 MB',
      preferredMaxBytes: '2 MB',
      extra: 1,
    };
    raw['organizations'] = [
      { name: 'Ord', mspId: 'OrdMSP', domain: 'ord.test', orderers: ['o0', 'o1'] },
      {
        name: 'Alpha',
        mspId: 'AlphaMSP',
        domain: 'alpha.test',
        peers: ['Peer_0'],
        users: [
          { id: 'u1', role: 'king' },
          { id: 'u1', role: 'carrier', email: 'x@y' },
        ],
      },
      { name: 'Beta', mspId: 'AlphaMSP', domain: 'beta.test', peers: ['peer0'], orderers: ['o9'] },
    ];
    expect(problemsOf(raw)).toEqual([
      'topo.yaml.colour is not a known field',
      'topo.yaml.name is missing or malformed',
      'topo.yaml.basePort must be an integer between 1024 and 60000',
      'ordering.extra is not a known field',
      'ordering.type must be etcdraft',
      'ordering.batchTimeout is missing or malformed',
      'ordering.maxMessageCount must be a positive integer',
      'organizations[1].users[0].role must be one of manufacturer, carrier, retailer, regulator, auditor, admin',
      'organizations[1].users[1].email is not a known field',
      'organizations[1].peers must be a list of names matching ^[a-z][a-z0-9-]{0,30}$',
      // (this message has a "; " of its own)
      'organizations[2] has both peers and orderers',
      'use separate organisations',
      'exactly one organisation must list orderers',
      'a Raft ordering service needs an odd number of orderers',
      'MSP ID AlphaMSP is used twice',
      'user id u1 is used twice',
    ]);
  });

  it('needs an odd number of orderers for Raft', () => {
    const raw = validRawTopology();
    (raw['organizations'] as Record<string, unknown>[])[0] = {
      name: 'Ord',
      mspId: 'OrdMSP',
      domain: 'ord.test',
      orderers: ['o0', 'o1'],
    };
    expect(problemsOf(raw)).toEqual(['a Raft ordering service needs an odd number of orderers']);
  });

  it('needs at least one organisation with peers', () => {
    const raw = validRawTopology();
    raw['organizations'] = [{ name: 'Ord', mspId: 'OrdMSP', domain: 'ord.test', orderers: ['o0'] }];
    expect(problemsOf(raw)).toEqual(['at least one organisation must list peers']);
  });

  it('rejects duplicate organisation names regardless of case', () => {
    const raw = validRawTopology();
    (raw['organizations'] as Record<string, unknown>[]).push({
      name: 'ALPHA',
      mspId: 'Alpha2MSP',
      domain: 'a2.test',
      peers: ['peer0'],
    });
    expect(problemsOf(raw)).toEqual(['organisation name alpha is used twice']);
  });

  it.each([
    [1023, 'below the range'],
    [60001, 'above the range'],
    [7000.5, 'not an integer'],
    ['7000', 'a string'],
  ])('rejects base port %p (%s)', (basePort) => {
    expect(problemsOf({ ...validRawTopology(), basePort })).toEqual([
      'topo.yaml.basePort must be an integer between 1024 and 60000',
    ]);
  });

  it.each([1024, 60000])('accepts base port %p at the edge of the range', (basePort) => {
    expect(validateTopology({ ...validRawTopology(), basePort })).toMatchObject({ basePort });
  });

  it('names what is missing when the file is not a mapping at all', () => {
    expect(problemsOf(['not', 'a', 'mapping'])).toEqual([
      'topo.yaml must be a mapping',
      'topo.yaml.name is missing or malformed',
      'topo.yaml.basePort must be an integer between 1024 and 60000',
      'topo.yaml.channel is missing or malformed',
      'topo.yaml.ordering must be a mapping',
      'ordering.type must be etcdraft',
      'ordering.batchTimeout is missing or malformed',
      'ordering.maxMessageCount must be a positive integer',
      'ordering.absoluteMaxBytes is missing or malformed',
      'ordering.preferredMaxBytes is missing or malformed',
      'topo.yaml.chaincode must be a mapping',
      'chaincode.name is missing or malformed',
      'chaincode.signaturePolicy is missing or malformed',
      'topo.yaml.organizations must be a non-empty list',
      'exactly one organisation must list orderers',
      'at least one organisation must list peers',
    ]);
  });
});

describe('normaliseTopology', () => {
  const spec = validateTopology(validRawTopology());

  it('derives every port from the base port in blocks of ten: CAs, orderers, peers, chaincode servers', () => {
    const t = normaliseTopology(spec);
    expect(allPorts(t)).toEqual({
      'ca.ord': 20000,
      'ca.ord/ops': 20001,
      'ca.alpha': 20010,
      'ca.alpha/ops': 20011,
      'ca.beta': 20020,
      'ca.beta/ops': 20021,
      o0: 20030,
      'o0/ops': 20031,
      'o0/admin': 20032,
      'peer0.alpha': 20040,
      'peer0.alpha/ops': 20041,
      'peer0.alpha/cc': 20042,
      'peer1.alpha': 20050,
      'peer1.alpha/ops': 20051,
      'peer1.alpha/cc': 20052,
      // 20060 belongs to the failover peer even when it does not run, so ports never move.
      'peer0.beta': 20070,
      'peer0.beta/ops': 20071,
      'peer0.beta/cc': 20072,
      'api.alpha': 21000,
      'api.beta': 21001,
      'chaincode.alpha': 20080,
      'chaincode.beta': 20090,
    });
  });

  it('resolves names, enrolment ids and organisation roles', () => {
    const t = normaliseTopology(spec);
    expect(t).toMatchObject({
      name: 'mini',
      basePort: 20000,
      channel: 'minichannel',
      ordererOrg: { name: 'Ord', key: 'ord', isOrderer: true, apiPort: undefined, peers: [] },
      orderers: [{ kind: 'orderer', name: 'o0', enrollId: 'o0', org: 'Ord', mspId: 'OrdMSP' }],
      peers: [
        {
          kind: 'peer',
          name: 'peer0.alpha',
          enrollId: 'peer0-alpha',
          org: 'Alpha',
          mspId: 'AlphaMSP',
          failover: false,
        },
        {
          kind: 'peer',
          name: 'peer1.alpha',
          enrollId: 'peer1-alpha',
          org: 'Alpha',
          mspId: 'AlphaMSP',
          failover: false,
        },
        {
          kind: 'peer',
          name: 'peer0.beta',
          enrollId: 'peer0-beta',
          org: 'Beta',
          mspId: 'BetaMSP',
          failover: false,
        },
      ],
      cas: [
        { kind: 'ca', name: 'ca.ord', org: 'Ord' },
        { kind: 'ca', name: 'ca.alpha', org: 'Alpha' },
        { kind: 'ca', name: 'ca.beta', org: 'Beta' },
      ],
      chaincodeServers: [
        { kind: 'chaincode', name: 'chaincode.alpha', org: 'Alpha', mspId: 'AlphaMSP', port: 20080 },
        { kind: 'chaincode', name: 'chaincode.beta', org: 'Beta', mspId: 'BetaMSP', port: 20090 },
      ],
    });
    expect(t.peerOrgs.map((o) => [o.key, o.isOrderer, o.users])).toEqual([
      ['alpha', false, [{ id: 'alpha-user', role: 'manufacturer' }]],
      ['beta', false, []],
    ]);
  });

  it('runs failover peers only with failover, on their reserved ports', () => {
    const without = normaliseTopology(spec);
    const withFailover = normaliseTopology(spec, { failover: true });
    expect(without.peers.map((p) => p.name)).toEqual(['peer0.alpha', 'peer1.alpha', 'peer0.beta']);
    expect(withFailover.peers.map((p) => [p.name, p.port, p.failover])).toEqual([
      ['peer0.alpha', 20040, false],
      ['peer1.alpha', 20050, false],
      ['peer9.alpha', 20060, true],
      ['peer0.beta', 20070, false],
    ]);
    expect(withFailover.chaincodeServers).toEqual(without.chaincodeServers);
  });

  it('is pure: the same input gives equal output and the spec is left untouched', () => {
    const before = structuredClone(spec);
    const a = normaliseTopology(spec, { basePort: 30000, failover: true });
    const b = normaliseTopology(spec, { basePort: 30000, failover: true });
    expect(a).toEqual(b);
    expect(a).not.toBe(b);
    expect(spec).toEqual(before);
  });

  it('shifts every port by the difference of base ports', () => {
    const a = allPorts(normaliseTopology(spec, { failover: true }));
    const b = allPorts(normaliseTopology(spec, { basePort: 33333, failover: true }));
    expect(Object.fromEntries(Object.entries(b).map(([k, v]) => [k, v - (33333 - 20000)]))).toEqual(a);
  });

  it.each([80, 60001, 1.5])('rejects base port option %p', (basePort) => {
    expect(() => normaliseTopology(spec, { basePort })).toThrow(
      new CliError(`base port ${basePort} must be an integer between 1024 and 60000`),
    );
  });
});

describe('loadTopology', () => {
  const tmp = new TmpDirs();
  afterAll(() => tmp.cleanup());

  it('loads network/topology.yaml: 3 orderers, 3 trading organisations and 1 oversight organisation, users with roles', () => {
    const t = loadTopology(REAL_TOPOLOGY);
    expect({
      name: t.name,
      basePort: t.basePort,
      channel: t.channel,
      chaincode: t.chaincode.name,
      orderers: t.orderers.map((o) => [o.name, o.port]),
      peerOrgs: t.peerOrgs.map((o) => ({ mspId: o.mspId, apiPort: o.apiPort, oversight: o.oversight, users: o.users })),
      peers: t.peers.map((p) => [p.name, p.port]),
      cas: t.cas.map((c) => [c.name, c.port]),
      chaincodeServers: t.chaincodeServers.map((c) => [c.name, c.mspId, c.port]),
    }).toEqual({
      name: 'waybill',
      basePort: 7000,
      channel: 'supplychain',
      chaincode: 'waybill',
      orderers: [
        ['orderer0', 7050],
        ['orderer1', 7060],
        ['orderer2', 7070],
      ],
      peerOrgs: [
        {
          mspId: 'ManufacturerMSP',
          apiPort: 8000,
          oversight: false,
          users: [
            { id: 'manufacturer-user1', role: 'manufacturer' },
            { id: 'manufacturer-admin1', role: 'admin' },
          ],
        },
        {
          mspId: 'CarrierMSP',
          apiPort: 8001,
          oversight: false,
          users: [
            { id: 'carrier-user1', role: 'carrier' },
            { id: 'carrier-admin1', role: 'admin' },
          ],
        },
        {
          mspId: 'RetailerMSP',
          apiPort: 8002,
          oversight: false,
          users: [
            { id: 'retailer-user1', role: 'retailer' },
            { id: 'retailer-admin1', role: 'admin' },
          ],
        },
        {
          mspId: 'AuthorityMSP',
          apiPort: 8003,
          oversight: true,
          users: [
            { id: 'regulator1', role: 'regulator' },
            { id: 'auditor1', role: 'auditor' },
            { id: 'authority-admin1', role: 'admin' },
          ],
        },
      ],
      peers: [
        ['peer0.manufacturer', 7080],
        ['peer0.carrier', 7100],
        ['peer0.retailer', 7110],
        ['peer0.authority', 7120],
      ],
      cas: [
        ['ca.orderer', 7000],
        ['ca.manufacturer', 7010],
        ['ca.carrier', 7020],
        ['ca.retailer', 7030],
        ['ca.authority', 7040],
      ],
      chaincodeServers: [
        ['chaincode.manufacturer', 'ManufacturerMSP', 7130],
        ['chaincode.carrier', 'CarrierMSP', 7140],
        ['chaincode.retailer', 'RetailerMSP', 7150],
        ['chaincode.authority', 'AuthorityMSP', 7160],
      ],
    });
    expect(t.ordererOrg.mspId).toBe('OrdererMSP');
    expect(t.ordering).toEqual({
      type: 'etcdraft',
      batchTimeout: '100ms',
      maxMessageCount: 100,
      absoluteMaxBytes: '10 MB',
      preferredMaxBytes: '2 MB',
    });
  });

  it('moves every port of the real topology with another base port', () => {
    const dflt = allPorts(loadTopology(REAL_TOPOLOGY, { failover: true }));
    const moved = allPorts(loadTopology(REAL_TOPOLOGY, { basePort: TEST_BASE_PORT, failover: true }));
    expect(Object.keys(moved)).toEqual(Object.keys(dflt));
    for (const [k, v] of Object.entries(moved)) expect([k, v - dflt[k]!]).toEqual([k, TEST_BASE_PORT - 7000]);
    expect(moved['peer1.manufacturer']).toBe(TEST_BASE_PORT + 90);
  });

  it('names the file when it cannot be read or parsed', () => {
    const dir = tmp.make();
    const missing = path.join(dir, 'nope.yaml');
    expect(() => loadTopology(missing)).toThrow(CliError);
    expect(() => loadTopology(missing)).toThrow(new RegExp(`^cannot read topology ${missing}: ENOENT`));
    const bad = path.join(dir, 'bad.yaml');
    writeFileSync(bad, 'name: [unclosed\n');
    expect(() => loadTopology(bad)).toThrow(new RegExp(`^cannot read topology ${bad}: `));
  });

  it('uses the file name as the source of validation messages', () => {
    const dir = tmp.make();
    const file = path.join(dir, 'mine.yaml');
    writeFileSync(file, 'name: x\nbasePort: 7000\nextra: 1\n');
    expect(() => loadTopology(file)).toThrow(/^invalid topology: mine\.yaml\.extra is not a known field; /);
  });
});

describe('profiles', () => {
  it('defaults to standard (Fabric 2.5, Gateway service, Node OUs, V2_5)', () => {
    const t = normaliseTopology(validateTopology(validRawTopology()));
    expect(t.profile).toBe('standard');
    expect(t.traits).toMatchObject({ peerRelease: '2.5', gatewayService: true, nodeOus: true, applicationCapability: 'V2_5' });
  });

  it('accepts profile amb with member policies', () => {
    const raw = { ...validRawTopology(), profile: 'amb', chaincode: { name: 'mini', signaturePolicy: "OR('AlphaMSP.member','BetaMSP.member')" } };
    const t = normaliseTopology(validateTopology(raw));
    expect(t.profile).toBe('amb');
    expect(t.traits.ledgerAdapter).toBe('fabric-network');
  });

  it('refuses an unknown profile, and peer/client roles under amb (its MSPs cannot tell them apart)', () => {
    expect(problemsOf({ ...validRawTopology(), profile: 'aws' })).toContain('topo.yaml.profile must be one of standard, amb');
    expect(problemsOf({ ...validRawTopology(), profile: 'amb' })).toEqual([
      "chaincode.signaturePolicy names 'peer' or 'client' roles, which the amb profile's MSPs (admincerts, no Node OUs) cannot tell apart: use 'member'",
    ]);
  });
});

describe('hosts', () => {
  function placed(): Record<string, unknown> {
    const raw = validRawTopology();
    const orgs = raw['organizations'] as Record<string, unknown>[];
    return {
      ...raw,
      hosts: [
        { name: 'h1', address: '10.0.0.1' },
        { name: 'h2', address: '10.0.0.2' },
        { name: 'h3', address: '10.0.0.3' },
      ],
      organizations: [
        { ...orgs[0], host: 'h1', orderers: ['o0', { name: 'o1', host: 'h2' }, { name: 'o2', host: 'h3' }] },
        { ...orgs[1], host: 'h2' },
        { ...orgs[2], host: 'h3' },
      ],
    };
  }

  it('puts everything on one implicit loopback host without hosts:, dialled as localhost', () => {
    const t = normaliseTopology(validateTopology(validRawTopology()));
    expect(t.hosts).toEqual([{ name: 'local', address: '127.0.0.1', endpoint: 'localhost', implicit: true }]);
    for (const n of [...t.cas, ...t.orderers, ...t.peers, ...t.chaincodeServers, ...t.orgs]) expect(n.host.name).toBe('local');
    expect(tlsHostsOf(t.hosts[0] as Host)).toEqual(['localhost', '127.0.0.1']);
  });

  it("places each organisation's nodes on its host and each orderer on its own, ports unchanged", () => {
    const plain = normaliseTopology(validateTopology(validRawTopology()));
    const t = normaliseTopology(validateTopology(placed()));
    expect(t.orderers.map((o) => [o.name, o.host.name, o.host.endpoint])).toEqual([
      ['o0', 'h1', '10.0.0.1'],
      ['o1', 'h2', '10.0.0.2'],
      ['o2', 'h3', '10.0.0.3'],
    ]);
    const alpha = t.orgs.find((o) => o.name === 'Alpha');
    expect([alpha?.host.name, alpha?.ca.host.name, ...(alpha?.peers ?? []).map((p) => p.host.name)]).toEqual(['h2', 'h2', 'h2', 'h2']);
    expect(t.chaincodeServers.map((c) => c.host.name)).toEqual(['h2', 'h3']);
    // The same ports as without hosts (each host has its own addresses; ports stay unique anyway).
    const orgs = validRawTopology()['organizations'] as Record<string, unknown>[];
    const unplaced = normaliseTopology(validateTopology({ ...validRawTopology(), organizations: [{ ...orgs[0], orderers: ['o0', 'o1', 'o2'] }, ...orgs.slice(1)] }));
    expect(allPorts(t)).toEqual(allPorts(unplaced));
    expect(plain.hosts).toHaveLength(1);
    expect(tlsHostsOf(t.hosts[1] as Host)).toEqual(['h2', '10.0.0.2']);
    expect(tlsHostsOf({ name: 'lo', address: '127.0.0.2', endpoint: '127.0.0.2', implicit: false })).toEqual(['lo', '127.0.0.2', 'localhost', '127.0.0.1']);
  });

  it("shares out what runs on a host: its organisations, CAs, orderers, peers, chaincode servers", () => {
    const t = normaliseTopology(validateTopology(placed()));
    const h1 = hostShare(t, 'h1');
    expect(h1.orgs.map((o) => o.name)).toEqual(['Ord']);
    expect(h1.orderers.map((o) => o.name)).toEqual(['o0']);
    expect(h1.peers).toEqual([]);
    expect(h1.createsChannel).toBe(true);
    const h2 = hostShare(t, 'h2');
    expect([h2.cas.map((c) => c.name), h2.orderers.map((o) => o.name), h2.peers.map((p) => p.name), h2.createsChannel]).toEqual([
      ['ca.alpha'],
      ['o1'],
      ['peer0.alpha', 'peer1.alpha'],
      false,
    ]);
    expect(() => hostShare(t, 'h9')).toThrow('unknown host h9; the topology\'s hosts: h1, h2, h3');
  });

  it('refuses unknown, missing, duplicate and malformed hosts', () => {
    const raw = placed();
    const orgs = raw['organizations'] as Record<string, unknown>[];
    expect(problemsOf({ ...raw, organizations: [{ ...orgs[0], host: 'h9' }, orgs[1], orgs[2]] })).toContain(
      'organizations[0].host must be one of the hosts: h1, h2, h3',
    );
    const { host: _h, ...noHost } = orgs[1] as { host: string };
    expect(problemsOf({ ...raw, organizations: [orgs[0], noHost, orgs[2]] })).toContain(
      'organizations[1].host is missing: with hosts: every organisation names its host',
    );
    expect(problemsOf({ ...validRawTopology(), organizations: [{ ...(validRawTopology()['organizations'] as object[])[0], host: 'h1' }, ...(validRawTopology()['organizations'] as object[]).slice(1)] })).toContain(
      'organizations[0].host needs a hosts: list',
    );
    expect(problemsOf({ ...raw, hosts: [{ name: 'h1', address: '10.0.0.1' }, { name: 'h1', address: '10.0.0.1' }, { name: 'h2', address: '10.0.0.300' }, { name: 'h3', address: '10.0.0.3' }] })).toEqual([
      'hosts[2].address is missing or malformed',
      'host h1 is listed twice',
      'host address 10.0.0.1 is used twice',
    ]);
    expect(problemsOf({ ...raw, organizations: [{ ...orgs[0], orderers: ['o0', { name: 'o1', host: 'h7' }, { name: 'o2' }] }, orgs[1], orgs[2]] })).toEqual([
      'organizations[0].orderers[1].host must be one of the hosts: h1, h2, h3',
    ]);
    // An orderer without a host of its own runs on its organisation's.
    const t = normaliseTopology(validateTopology({ ...raw, organizations: [{ ...orgs[0], orderers: ['o0', { name: 'o1' }, 'o2'] }, orgs[1], orgs[2]] }));
    expect(t.orderers.map((o) => o.host.name)).toEqual(['h1', 'h1', 'h1']);
  });
});
