import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import type { Layout } from '../topology/layout';
import type { OrdererNode, PeerNode, Topology } from '../topology/topology';

type Tree = Record<string, unknown>;

/** Sets a dotted path in a parsed YAML tree, creating mappings on the way. */
export function setPath(tree: Tree, dotted: string, value: unknown): void {
  const keys = dotted.split('.');
  let cur: Tree = tree;
  for (const k of keys.slice(0, -1)) {
    const next = cur[k];
    if (next === null || typeof next !== 'object' || Array.isArray(next)) cur[k] = {};
    cur = cur[k] as Tree;
  }
  cur[keys[keys.length - 1] as string] = value;
}

function load(sampleDir: string, file: string): Tree {
  return parse(readFileSync(path.join(sampleDir, file), 'utf8')) as Tree;
}

export interface PeerConfigOptions {
  readonly sampleDir: string;
  readonly layout: Layout;
  /** The network's name and profile traits (a partner passes its own). */
  readonly topology: Pick<Topology, 'name' | 'traits'>;
  /** Absolute paths of the external builders (ccaas, node). */
  readonly builders: { readonly ccaas: string; readonly node: string };
  /** Environment variables the peer hands to the node builder (see {@link nodeBuilderEnvironment}). */
  readonly nodeBuilderEnv?: readonly string[];
}

/** What the node builder's npm needs from the environment the network was started in. */
const NODE_BUILDER_ENV = [
  'HOME',
  'NODE_EXTRA_CA_CERTS',
  'SSL_CERT_FILE',
  'SSL_CERT_DIR',
  'HTTP_PROXY',
  'HTTPS_PROXY',
  'NO_PROXY',
  'http_proxy',
  'https_proxy',
  'no_proxy',
  'WAYBILL_BUILDER_LOG_DIR',
  'WAYBILL_BUILDER_TIMEOUT_S',
  'WAYBILL_NODE12',
  'WAYBILL_NPM12',
] as const;

/**
 * The variables a peer propagates to the node builder. Fabric passes only PATH, TMPDIR and
 * LD_LIBRARY_PATH unless told otherwise, and its list takes names, not patterns: so the CA bundle,
 * proxies, HOME (for ~/.npmrc) and every `npm_config_*` variable set where the network starts
 * (registry, cache, cafile, proxy…) are named here. Values stay in the peer's environment; no
 * file holds them.
 */
export function nodeBuilderEnvironment(env: NodeJS.ProcessEnv): string[] {
  const npm = Object.keys(env)
    .filter((k) => /^npm_config_/i.test(k) && env[k] !== undefined)
    .sort();
  return [...NODE_BUILDER_ENV, ...npm];
}

/**
 * core.yaml for one peer: Fabric's sample configuration with this peer's identity, ports, TLS,
 * LevelDB state and the project's external builders; no Docker endpoint, so the peer never looks
 * for a container runtime.
 */
export function peerConfig(peer: PeerNode, o: PeerConfigOptions): string {
  const t = load(o.sampleDir, 'core.yaml');
  const dir = o.layout.nodeDir(peer);
  const tls = o.layout.nodeTls(peer);
  const host = peer.host;
  const addr = `${host.endpoint}:${peer.port}`;
  const set = (k: string, v: unknown): void => setPath(t, k, v);
  set('peer.id', peer.name);
  set('peer.networkId', o.topology.name.toLowerCase());
  set('peer.listenAddress', `${host.address}:${peer.port}`);
  set('peer.address', addr);
  set('peer.chaincodeListenAddress', `${host.address}:${peer.chaincodePort}`);
  set('peer.chaincodeAddress', `${host.endpoint}:${peer.chaincodePort}`);
  set('peer.mspConfigPath', o.layout.nodeMsp(peer));
  set('peer.localMspId', peer.mspId);
  set('peer.fileSystemPath', path.join(dir, 'data'));
  set('peer.gossip.bootstrap', addr);
  set('peer.gossip.endpoint', addr);
  set('peer.gossip.externalEndpoint', addr);
  // Every peer pulls blocks from the ordering service itself (gossip block dissemination is
  // deprecated), so a peer never waits for a leader election.
  set('peer.gossip.useLeaderElection', false);
  set('peer.gossip.orgLeader', true);
  set('peer.gossip.state.enabled', false);
  set('peer.deliveryclient.blockGossipEnabled', false);
  // A peer learns of other organisations' peers through their anchor peers; with Fabric's
  // defaults a peer that started before the others retries only every 25 s, so for half a minute
  // after `up` the Gateway finds no endorser of another organisation ("failed to find any
  // endorsing peers"). On one machine a second is plenty; a dead peer is dropped after 10 s.
  set('peer.gossip.reconnectInterval', '1s');
  set('peer.gossip.aliveTimeInterval', '1s');
  set('peer.gossip.aliveExpirationTimeout', '10s');
  set('peer.gossip.membershipTrackerInterval', '1s');
  // A partition leaves connections hanging, not refused. The peer's Gateway tries the orderers in
  // turn, each for broadcastTimeout (default 30 s, longer than a client's submit deadline, so one
  // cut-off orderer would fail every submit that tried it first); and a peer pulling blocks from a
  // cut-off orderer notices only through keep-alive (defaults 60 s + 20 s without a block) — gRPC's
  // floor for a client's ping interval is 10 s. The orderers accept pings that often.
  set('peer.gateway.broadcastTimeout', '2s');
  set('peer.keepalive.deliveryClient.interval', '10s');
  set('peer.keepalive.deliveryClient.timeout', '5s');
  if (!host.implicit) {
    // Across hosts a cut link drops packets silently (on loopback a dead node answers with a
    // reset): the peer's other client connections ping too, and it accepts pings that often.
    set('peer.keepalive.minInterval', '5s');
    set('peer.keepalive.client.interval', '10s');
    set('peer.keepalive.client.timeout', '5s');
  }
  set('peer.tls.enabled', true);
  set('peer.tls.clientAuthRequired', false);
  set('peer.tls.cert.file', path.join(tls, 'server.crt'));
  set('peer.tls.key.file', path.join(tls, 'server.key'));
  set('peer.tls.rootcert.file', path.join(tls, 'ca.crt'));
  set('peer.tls.clientRootCAs.files', [path.join(tls, 'ca.crt')]);
  // The amb profile's peers are Fabric 2.2, which has no Gateway service at all; the key is set
  // anyway so the configuration says what the peer does (and a 2.5 peer given it stays without).
  set('peer.gateway.enabled', o.topology.traits.gatewayService);
  set('peer.discovery.enabled', true);
  set('vm.endpoint', '');
  set('chaincode.externalBuilders', [
    { name: 'waybill-ccaas', path: o.builders.ccaas, propagateEnvironment: ['WAYBILL_PEER_TLS_DIR', 'WAYBILL_CCAAS_ROOT_CERT', 'WAYBILL_CCAAS_ADDRESS'] },
    { name: 'waybill-node', path: o.builders.node, propagateEnvironment: o.nodeBuilderEnv ?? nodeBuilderEnvironment({}) },
  ]);
  set('chaincode.startuptimeout', '120s');
  set('chaincode.executetimeout', '30s');
  set('chaincode.installTimeout', '600s');
  set('chaincode.logging.level', 'info');
  set('ledger.state.stateDatabase', 'goleveldb');
  set('ledger.snapshots.rootDir', path.join(dir, 'data', 'snapshots'));
  set('operations.listenAddress', `${host.address}:${peer.operationsPort}`);
  set('operations.tls.enabled', true);
  set('operations.tls.cert.file', path.join(tls, 'server.crt'));
  set('operations.tls.key.file', path.join(tls, 'server.key'));
  set('operations.tls.clientAuthRequired', false);
  set('operations.tls.clientRootCAs.files', []);
  set('metrics.provider', 'prometheus');
  return stringify(t);
}

/** orderer.yaml for one Raft orderer: no system channel, channel participation API on (mTLS). */
export function ordererConfig(node: OrdererNode, sampleDir: string, layout: Layout): string {
  const t = load(sampleDir, 'orderer.yaml');
  const dir = layout.nodeDir(node);
  const tls = layout.nodeTls(node);
  const set = (k: string, v: unknown): void => setPath(t, k, v);
  set('General.ListenAddress', node.host.address);
  set('General.ListenPort', node.port);
  // Peers ping their delivery streams every 10 s (peerConfig): allowed, not answered with GOAWAY.
  set('General.Keepalive.ServerMinInterval', '5s');
  if (!node.host.implicit) {
    // Across hosts the orderer pings its own clients too, so a silently cut link is noticed.
    set('General.Keepalive.ServerInterval', '10s');
    set('General.Keepalive.ServerTimeout', '5s');
  }
  set('General.TLS.Enabled', true);
  set('General.TLS.PrivateKey', path.join(tls, 'server.key'));
  set('General.TLS.Certificate', path.join(tls, 'server.crt'));
  set('General.TLS.RootCAs', [path.join(tls, 'ca.crt')]);
  set('General.TLS.ClientAuthRequired', false);
  set('General.Cluster.ClientCertificate', path.join(tls, 'server.crt'));
  set('General.Cluster.ClientPrivateKey', path.join(tls, 'server.key'));
  set('General.Cluster.RootCAs', [path.join(tls, 'ca.crt')]);
  set('General.BootstrapMethod', 'none');
  set('General.LocalMSPDir', layout.nodeMsp(node));
  set('General.LocalMSPID', node.mspId);
  set('FileLedger.Location', path.join(dir, 'data', 'ledger'));
  set('Consensus.WALDir', path.join(dir, 'data', 'etcdraft', 'wal'));
  set('Consensus.SnapDir', path.join(dir, 'data', 'etcdraft', 'snapshot'));
  set('Operations.ListenAddress', `${node.host.address}:${node.operationsPort}`);
  set('Operations.TLS.Enabled', true);
  set('Operations.TLS.PrivateKey', path.join(tls, 'server.key'));
  set('Operations.TLS.Certificate', path.join(tls, 'server.crt'));
  set('Operations.TLS.ClientAuthRequired', false);
  // /healthz answers anyone; /metrics only a client certificate of the orderer organisation's TLS
  // CA (Fabric requires one for it once TLS is on): fault tests find the Raft leader there.
  set('Operations.TLS.RootCAs', []);
  set('Operations.TLS.ClientRootCAs', [path.join(tls, 'ca.crt')]);
  set('Metrics.Provider', 'prometheus');
  set('Admin.ListenAddress', `${node.host.address}:${node.adminPort}`);
  set('Admin.TLS.Enabled', true);
  set('Admin.TLS.PrivateKey', path.join(tls, 'server.key'));
  set('Admin.TLS.Certificate', path.join(tls, 'server.crt'));
  set('Admin.TLS.RootCAs', [path.join(tls, 'ca.crt')]);
  set('Admin.TLS.ClientAuthRequired', true);
  set('Admin.TLS.ClientRootCAs', [path.join(tls, 'ca.crt')]);
  set('ChannelParticipation.Enabled', true);
  return stringify(t);
}

/**
 * configtx.yaml for the application channel (no system channel): the organisations with Node-OU
 * based policies and orderer endpoints, Raft consenters, and V2_5 application
 * capability (needed for private data purge).
 */
export function configtx(
  topology: Topology,
  layout: Layout,
  /** Where each orderer's TLS certificate is (default: its own node folder). */
  consenterCert: (o: OrdererNode) => string = (o) => path.join(layout.nodeTls(o), 'server.crt'),
): string {
  const rule = (msp: string, roles: string[]): string => `OR(${roles.map((r) => `'${msp}.${r}'`).join(', ')})`;
  // Without Node OUs (the amb profile's admincerts MSPs, as AMB members have) an MSP cannot tell
  // a peer from a client: policies name `member` (and `admin`, known from admincerts), as AMB's own
  // channel configurations do.
  const ous = topology.traits.nodeOus;
  const orgs = topology.orgs.map((o) => {
    const policies: Tree = {
      Readers: { Type: 'Signature', Rule: rule(o.mspId, o.isOrderer || !ous ? ['member'] : ['admin', 'peer', 'client']) },
      Writers: { Type: 'Signature', Rule: rule(o.mspId, o.isOrderer || !ous ? ['member'] : ['admin', 'client']) },
      Admins: { Type: 'Signature', Rule: rule(o.mspId, ['admin']) },
    };
    if (!o.isOrderer) policies['Endorsement'] = { Type: 'Signature', Rule: rule(o.mspId, [ous ? 'peer' : 'member']) };
    const org: Tree = { Name: o.mspId, ID: o.mspId, MSPDir: layout.orgMsp(o), Policies: policies };
    if (o.isOrderer) org['OrdererEndpoints'] = o.orderers.map((n) => `${n.host.endpoint}:${n.port}`);
    // Peer organisations' anchor peers are set after the channel exists, each by its own admin
    // through a configuration update (`LocalNetwork.up`, step "anchor peers").
    return org;
  });
  const ord = topology.ordering;
  const doc: Tree = {
    Profiles: {
      WaybillChannel: {
        Policies: {
          Readers: { Type: 'ImplicitMeta', Rule: 'ANY Readers' },
          Writers: { Type: 'ImplicitMeta', Rule: 'ANY Writers' },
          Admins: { Type: 'ImplicitMeta', Rule: 'MAJORITY Admins' },
        },
        Capabilities: { V2_0: true },
        Orderer: {
          OrdererType: 'etcdraft',
          Addresses: [],
          BatchTimeout: ord.batchTimeout,
          BatchSize: {
            MaxMessageCount: ord.maxMessageCount,
            AbsoluteMaxBytes: ord.absoluteMaxBytes,
            PreferredMaxBytes: ord.preferredMaxBytes,
          },
          EtcdRaft: {
            Consenters: topology.orderers.map((n) => ({
              Host: n.host.endpoint,
              Port: n.port,
              ClientTLSCert: consenterCert(n),
              ServerTLSCert: consenterCert(n),
            })),
            // Everything is on loopback: a 200 ms tick elects a new leader ~2 s after one stops
            // (the production default of 500 ms makes that 5 s).
            Options: {
              TickInterval: '200ms',
              ElectionTick: 10,
              HeartbeatTick: 1,
              MaxInflightBlocks: 5,
              SnapshotIntervalSize: '16 MB',
            },
          },
          Organizations: orgs.filter((_, i) => topology.orgs[i]?.isOrderer),
          Policies: {
            Readers: { Type: 'ImplicitMeta', Rule: 'ANY Readers' },
            Writers: { Type: 'ImplicitMeta', Rule: 'ANY Writers' },
            Admins: { Type: 'ImplicitMeta', Rule: 'MAJORITY Admins' },
            BlockValidation: { Type: 'ImplicitMeta', Rule: 'ANY Writers' },
          },
          Capabilities: { V2_0: true },
        },
        Application: {
          Organizations: orgs.filter((_, i) => !topology.orgs[i]?.isOrderer),
          Policies: {
            Readers: { Type: 'ImplicitMeta', Rule: 'ANY Readers' },
            Writers: { Type: 'ImplicitMeta', Rule: 'ANY Writers' },
            Admins: { Type: 'ImplicitMeta', Rule: 'MAJORITY Admins' },
            LifecycleEndorsement: { Type: 'ImplicitMeta', Rule: 'MAJORITY Endorsement' },
            Endorsement: { Type: 'ImplicitMeta', Rule: 'MAJORITY Endorsement' },
          },
          Capabilities: { [topology.traits.applicationCapability]: true },
        },
      },
    },
  };
  return stringify(doc, { aliasDuplicateObjects: false });
}
