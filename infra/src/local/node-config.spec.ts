import { existsSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { Layout } from '../topology/layout';
import { BUILDERS } from './network';
import { configtx, nodeBuilderEnvironment, ordererConfig, peerConfig, setPath } from './node-config';
import { loadTopology, type OrdererNode, type PeerNode, type Topology } from '../topology/topology';
import { REAL_TOPOLOGY, TEST_BASE_PORT, sampleConfigDir } from '../testing/fixtures';

const ROOT = '/srv/waybill-net';
const B = TEST_BASE_PORT;

type Tree = Record<string, unknown>;

describe('setPath', () => {
  it('sets a dotted path, creating and replacing non-mappings on the way', () => {
    const t: Tree = { a: { keep: 1 }, b: 'scalar', c: [1, 2] };
    setPath(t, 'a.x.y', 5);
    setPath(t, 'b.z', true);
    setPath(t, 'c.d', 'v');
    setPath(t, 'top', null);
    expect(t).toEqual({ a: { keep: 1, x: { y: 5 } }, b: { z: true }, c: { d: 'v' }, top: null });
  });
});

describe('node configuration', () => {
  let sample: string;
  const layout = new Layout(ROOT);
  const topology: Topology = loadTopology(REAL_TOPOLOGY, { basePort: B, failover: true });
  const peer = topology.peers.find((p) => p.name === 'peer0.carrier') as PeerNode;
  const orderer = topology.orderers[1] as OrdererNode;

  beforeAll(async () => {
    // Fails (never skips) with a message naming FABRIC_CFG_SAMPLE when Fabric's sampleconfig is missing.
    sample = await sampleConfigDir();
  }, 120_000);

  describe('peerConfig (core.yaml)', () => {
    const tls = `${ROOT}/nodes/peer0.carrier/tls`;
    let core: Tree;
    beforeAll(() => {
      core = parse(peerConfig(peer, { sampleDir: sample, layout, topology, builders: BUILDERS })) as Tree;
    });

    it('sets the identity, addresses, gossip and TLS of this peer', () => {
      expect(core['peer']).toMatchObject({
        id: 'peer0.carrier',
        networkId: 'waybill',
        listenAddress: `127.0.0.1:${B + 100}`,
        address: `localhost:${B + 100}`,
        chaincodeListenAddress: `127.0.0.1:${B + 102}`,
        chaincodeAddress: `localhost:${B + 102}`,
        mspConfigPath: `${ROOT}/nodes/peer0.carrier/msp`,
        localMspId: 'CarrierMSP',
        fileSystemPath: `${ROOT}/nodes/peer0.carrier/data`,
        gossip: {
          bootstrap: `localhost:${B + 100}`,
          endpoint: `localhost:${B + 100}`,
          externalEndpoint: `localhost:${B + 100}`,
          useLeaderElection: false,
          orgLeader: true,
          state: { enabled: false },
        },
        deliveryclient: { blockGossipEnabled: false },
        tls: {
          enabled: true,
          clientAuthRequired: false,
          cert: { file: `${tls}/server.crt` },
          key: { file: `${tls}/server.key` },
          rootcert: { file: `${tls}/ca.crt` },
          clientRootCAs: { files: [`${tls}/ca.crt`] },
        },
        gateway: { enabled: true },
        discovery: { enabled: true },
      });
    });

    it('has no Docker endpoint and uses the project builders by absolute path', () => {
      expect(core['vm']).toMatchObject({ endpoint: '' });
      expect(core['chaincode']).toMatchObject({
        externalBuilders: [
          {
            name: 'waybill-ccaas',
            path: BUILDERS.ccaas,
            propagateEnvironment: ['WAYBILL_PEER_TLS_DIR', 'WAYBILL_CCAAS_ROOT_CERT', 'WAYBILL_CCAAS_ADDRESS'],
          },
          {
            name: 'waybill-node',
            path: BUILDERS.node,
            propagateEnvironment: expect.arrayContaining(['HOME', 'NODE_EXTRA_CA_CERTS', 'HTTPS_PROXY', 'WAYBILL_BUILDER_LOG_DIR']) as string[],
          },
        ],
        startuptimeout: '120s',
        executetimeout: '30s',
        installTimeout: '600s',
        logging: { level: 'info' },
      });
      for (const dir of [BUILDERS.ccaas, BUILDERS.node]) {
        expect([dir, path.isAbsolute(dir), existsSync(path.join(dir, 'bin', 'build'))]).toEqual([
          dir,
          true,
          true,
        ]);
      }
    });

    it('keeps state in goleveldb and serves operations over TLS with metrics', () => {
      expect(core['ledger']).toMatchObject({
        state: { stateDatabase: 'goleveldb' },
        snapshots: { rootDir: `${ROOT}/nodes/peer0.carrier/data/snapshots` },
      });
      expect(core['operations']).toMatchObject({
        listenAddress: `127.0.0.1:${B + 101}`,
        tls: {
          enabled: true,
          cert: { file: `${tls}/server.crt` },
          key: { file: `${tls}/server.key` },
          clientAuthRequired: false,
          clientRootCAs: { files: [] },
        },
      });
      expect(core['metrics']).toMatchObject({ provider: 'prometheus' });
    });

    it("hands the node builder npm's settings from the environment the network starts in", () => {
      const env = {
        HOME: '/home/u',
        npm_config_cache: '/tmp/c',
        NPM_CONFIG_REGISTRY: 'https://r.example/',
        npm_config_cafile: '/etc/ca.pem',
        PATH: '/bin',
        SECRET_TOKEN: 'x',
      };
      const names = nodeBuilderEnvironment(env);
      expect(names).toEqual(expect.arrayContaining(['HOME', 'NODE_EXTRA_CA_CERTS', 'HTTPS_PROXY', 'https_proxy', 'NO_PROXY']));
      // Every npm setting by name (Fabric's list takes names, not patterns), nothing unrelated.
      expect(names.filter((n) => /npm_config_/i.test(n))).toEqual(['NPM_CONFIG_REGISTRY', 'npm_config_cache', 'npm_config_cafile']);
      expect(names).not.toContain('SECRET_TOKEN');
      const core = parse(peerConfig(peer, { sampleDir: sample, layout, topology, builders: BUILDERS, nodeBuilderEnv: names })) as Tree;
      const builders = (core['chaincode'] as { externalBuilders: { name: string; propagateEnvironment: string[] }[] }).externalBuilders;
      expect(builders.find((b) => b.name === 'waybill-node')?.propagateEnvironment).toEqual(names);
    });

    it('is deterministic', () => {
      const opts = { sampleDir: sample, layout, topology, builders: BUILDERS };
      expect(peerConfig(peer, opts)).toBe(peerConfig(peer, opts));
    });
  });

  describe('ordererConfig (orderer.yaml)', () => {
    const tls = `${ROOT}/nodes/orderer1/tls`;
    let cfg: Tree;
    beforeAll(() => {
      cfg = parse(ordererConfig(orderer, sample, layout)) as Tree;
    });

    it('runs without a system channel, with channel participation on', () => {
      expect(cfg['General']).toMatchObject({
        ListenAddress: '127.0.0.1',
        ListenPort: B + 60,
        BootstrapMethod: 'none',
        LocalMSPDir: `${ROOT}/nodes/orderer1/msp`,
        LocalMSPID: 'OrdererMSP',
        TLS: {
          Enabled: true,
          PrivateKey: `${tls}/server.key`,
          Certificate: `${tls}/server.crt`,
          RootCAs: [`${tls}/ca.crt`],
          ClientAuthRequired: false,
        },
        Cluster: {
          ClientCertificate: `${tls}/server.crt`,
          ClientPrivateKey: `${tls}/server.key`,
          RootCAs: [`${tls}/ca.crt`],
        },
      });
      expect(cfg['ChannelParticipation']).toMatchObject({ Enabled: true });
      expect(cfg['FileLedger']).toMatchObject({ Location: `${ROOT}/nodes/orderer1/data/ledger` });
      expect(cfg['Consensus']).toMatchObject({
        WALDir: `${ROOT}/nodes/orderer1/data/etcdraft/wal`,
        SnapDir: `${ROOT}/nodes/orderer1/data/etcdraft/snapshot`,
      });
    });

    it('requires mutual TLS on the admin endpoint, TLS on operations, and an orderer-organisation client certificate for its metrics', () => {
      expect(cfg['Admin']).toMatchObject({
        ListenAddress: `127.0.0.1:${B + 62}`,
        TLS: {
          Enabled: true,
          PrivateKey: `${tls}/server.key`,
          Certificate: `${tls}/server.crt`,
          RootCAs: [`${tls}/ca.crt`],
          ClientAuthRequired: true,
          ClientRootCAs: [`${tls}/ca.crt`],
        },
      });
      expect(cfg['Operations']).toMatchObject({
        ListenAddress: `127.0.0.1:${B + 61}`,
        TLS: {
          Enabled: true,
          PrivateKey: `${tls}/server.key`,
          Certificate: `${tls}/server.crt`,
          ClientAuthRequired: false,
          RootCAs: [],
          ClientRootCAs: [`${tls}/ca.crt`],
        },
      });
      expect(cfg['Metrics']).toMatchObject({ Provider: 'prometheus' });
    });
  });
});

describe('configtx', () => {
  const layout = new Layout(ROOT);
  const topology = loadTopology(REAL_TOPOLOGY, { basePort: B, failover: true });
  const doc = parse(configtx(topology, layout)) as { Profiles: { WaybillChannel: Tree } };
  const profile = doc.Profiles.WaybillChannel as {
    Orderer: Tree & { EtcdRaft: { Consenters: unknown[] }; Organizations: Tree[] };
    Application: Tree & { Organizations: Tree[] };
    Capabilities: Tree;
  };

  it('has one Raft consenter per orderer and the batch settings of the topology', () => {
    expect(profile.Orderer).toMatchObject({
      OrdererType: 'etcdraft',
      BatchTimeout: '100ms',
      BatchSize: { MaxMessageCount: 100, AbsoluteMaxBytes: '10 MB', PreferredMaxBytes: '2 MB' },
      Capabilities: { V2_0: true },
    });
    expect(profile.Orderer.EtcdRaft.Consenters).toEqual(
      ['orderer0', 'orderer1', 'orderer2'].map((n, i) => ({
        Host: 'localhost',
        Port: B + 50 + 10 * i,
        ClientTLSCert: `${ROOT}/nodes/${n}/tls/server.crt`,
        ServerTLSCert: `${ROOT}/nodes/${n}/tls/server.crt`,
      })),
    );
  });

  it('lists the orderer organisation with its endpoints and member policies', () => {
    expect(profile.Orderer.Organizations).toEqual([
      {
        Name: 'OrdererMSP',
        ID: 'OrdererMSP',
        MSPDir: `${ROOT}/orgs/orderer/msp`,
        Policies: {
          Readers: { Type: 'Signature', Rule: "OR('OrdererMSP.member')" },
          Writers: { Type: 'Signature', Rule: "OR('OrdererMSP.member')" },
          Admins: { Type: 'Signature', Rule: "OR('OrdererMSP.admin')" },
        },
        OrdererEndpoints: [`localhost:${B + 50}`, `localhost:${B + 60}`, `localhost:${B + 70}`],
      },
    ]);
  });

  it('lists the peer organisations without anchor peers (set later by configuration update) and V2_5 capability', () => {
    expect(profile.Application).toMatchObject({
      Capabilities: { V2_5: true },
      Policies: {
        LifecycleEndorsement: { Type: 'ImplicitMeta', Rule: 'MAJORITY Endorsement' },
        Endorsement: { Type: 'ImplicitMeta', Rule: 'MAJORITY Endorsement' },
      },
    });
    expect(profile.Application.Organizations.map((o) => [o['ID'], o['AnchorPeers']])).toEqual([
      ['ManufacturerMSP', undefined],
      ['CarrierMSP', undefined],
      ['RetailerMSP', undefined],
      ['AuthorityMSP', undefined],
    ]);
    expect(profile.Application.Organizations[1]).toEqual({
      Name: 'CarrierMSP',
      ID: 'CarrierMSP',
      MSPDir: `${ROOT}/orgs/carrier/msp`,
      Policies: {
        Readers: {
          Type: 'Signature',
          Rule: "OR('CarrierMSP.admin', 'CarrierMSP.peer', 'CarrierMSP.client')",
        },
        Writers: { Type: 'Signature', Rule: "OR('CarrierMSP.admin', 'CarrierMSP.client')" },
        Admins: { Type: 'Signature', Rule: "OR('CarrierMSP.admin')" },
        Endorsement: { Type: 'Signature', Rule: "OR('CarrierMSP.peer')" },
      },
    });
  });

  it('writes no YAML aliases (configtxgen resolves none of its own)', () => {
    expect(configtx(topology, layout)).not.toMatch(/[&*]a\d+/);
  });
});

describe('the amb profile (network/topology.amb.yaml)', () => {
  const layout = new Layout(ROOT);
  const amb = loadTopology(path.join(path.dirname(REAL_TOPOLOGY), 'topology.amb.yaml'), { basePort: B });
  let sample: string;

  beforeAll(async () => {
    sample = await sampleConfigDir();
  }, 120_000);

  it('is shaped like AWS Managed Blockchain: member-ID MSPs, Fabric 2.2 peers, no Gateway, no Node OUs', () => {
    expect(amb.profile).toBe('amb');
    expect(amb.traits).toEqual({
      peerRelease: '2.2',
      gatewayService: false,
      nodeOus: false,
      applicationCapability: 'V2_0',
      ledgerAdapter: 'fabric-network',
    });
    for (const org of amb.peerOrgs) expect(org.mspId).toMatch(/^m-[A-Z0-9]{26}$/);
    expect(amb.chaincode.signaturePolicy).not.toMatch(/\.(peer|client)'/);
  });

  it("turns the peers' Gateway service off", () => {
    const core = parse(
      peerConfig(amb.peers[0] as PeerNode, { sampleDir: sample, layout, topology: amb, builders: BUILDERS }),
    ) as { peer: { gateway: { enabled: boolean } } };
    expect(core.peer.gateway.enabled).toBe(false);
  });

  it('writes member/admin policies (no peer or client roles) and V2_0 capabilities everywhere', () => {
    const text = configtx(amb, layout);
    expect(text).not.toMatch(/\.(peer|client)'/);
    const doc = parse(text) as { Profiles: { WaybillChannel: { Capabilities: Tree; Orderer: Tree; Application: Tree & { Organizations: Tree[] } } } };
    const ch = doc.Profiles.WaybillChannel;
    expect(ch.Capabilities).toEqual({ V2_0: true });
    expect(ch.Orderer['Capabilities']).toEqual({ V2_0: true });
    expect(ch.Application['Capabilities']).toEqual({ V2_0: true });
    const manufacturer = ch.Application.Organizations.find((o) => String(o['ID']).startsWith('m-MANUFACTURER')) as Tree;
    const id = String(manufacturer['ID']);
    expect(manufacturer['Policies']).toEqual({
      Readers: { Type: 'Signature', Rule: `OR('${id}.member')` },
      Writers: { Type: 'Signature', Rule: `OR('${id}.member')` },
      Admins: { Type: 'Signature', Rule: `OR('${id}.admin')` },
      Endorsement: { Type: 'Signature', Rule: `OR('${id}.member')` },
    });
  });
});
