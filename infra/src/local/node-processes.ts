import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { CliError } from '../common/errors';
import { PROJECT_ROOT } from './context';
import { bootstrapSecret, caServerArgs, caServerEnv, lockDown } from '../identity/fabric-ca';
import type { Layout, NetworkModel } from '../topology/layout';
import type { CaNode, ChaincodeServerNode, Org, OrdererNode, PeerNode, Topology } from '../topology/topology';
import { httpsGet, portInUse, runningPid, startProcess, stopProcess, waitHealthy } from './processes';

/** A Fabric process of the network: a CA, an orderer or a peer. */
export type FabricNode = CaNode | OrdererNode | PeerNode;

/**
 * What starting a node needs of the network it belongs to: where its files are, and the
 * organisations and chaincode servers its launch names. A founders' network is one; so is a
 * partner organisation's own data directory (`waybill org init`), with its one organisation.
 */
export interface NodeHost {
  readonly layout: Layout;
  readonly topology: Pick<Topology, 'orgs' | 'chaincodeServers'>;
}

/** Where the node binaries are: the 2.5 set, and the peer's (2.2 for the amb profile). */
export interface NodeBinaries {
  readonly fabric: string;
  readonly peer: string;
}

/**
 * How one node runs: its program, arguments, its own environment (added to the caller's when
 * started here; all of it in a systemd unit) and working directory.
 */
export interface Launch {
  readonly command: string;
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly cwd: string;
  /** After the node is healthy (a CA: its home locked down once it wrote its files). */
  readonly afterHealthy?: () => void;
}

function orgNamed(net: NodeHost, name: string): Org {
  const org = net.topology.orgs.find((o) => o.name === name);
  if (!org) throw new CliError(`unknown organisation ${name}`);
  return org;
}

function chaincodeServerOf(net: NodeHost, p: PeerNode): ChaincodeServerNode {
  const server = net.topology.chaincodeServers.find((c) => c.org === p.org);
  if (!server) throw new CliError(`organisation ${p.org} has no chaincode server`);
  return server;
}

/** The one place that says how each kind of node is launched (here, or by a systemd unit). */
export function launchOf(net: NodeHost, bin: NodeBinaries, node: FabricNode): Launch {
  const { layout } = net;
  switch (node.kind) {
    case 'ca': {
      const home = layout.caHome(node);
      return {
        command: path.join(bin.fabric, 'fabric-ca-server'),
        args: caServerArgs(node, orgNamed(net, node.org), home),
        env: { ...caServerEnv(bootstrapSecret(home)), FABRIC_CA_SERVER_HOME: home },
        cwd: home,
        afterHealthy: () => lockDown(home),
      };
    }
    case 'orderer':
      return {
        command: path.join(bin.fabric, 'orderer'),
        args: [],
        env: { FABRIC_CFG_PATH: layout.nodeDir(node), FABRIC_LOGGING_SPEC: 'info' },
        cwd: layout.nodeDir(node),
      };
    case 'peer':
      return {
        command: path.join(bin.peer, 'peer'),
        args: ['node', 'start'],
        env: {
          FABRIC_CFG_PATH: layout.nodeDir(node),
          FABRIC_LOGGING_SPEC: 'info',
          WAYBILL_PEER_TLS_DIR: layout.nodeTls(node),
          WAYBILL_CCAAS_ROOT_CERT: layout.orgTlsCa(orgNamed(net, node.org)),
          WAYBILL_CCAAS_ADDRESS: `${chaincodeServerOf(net, node).host.endpoint}:${chaincodeServerOf(net, node).port}`,
          WAYBILL_BUILDER_LOG_DIR: layout.builderLogDir(node),
          // Node 12 and npm 6 for packages built for Fabric 2.2 peers (`--target fabric-2.2`), as
          // scripts/lib.sh provisions them; the node builder uses them for packages with node_modules.
          WAYBILL_NODE12: process.env['WAYBILL_NODE12'] ?? path.join(PROJECT_ROOT, '.tools', 'node12', 'bin', 'node'),
          WAYBILL_NPM12:
            process.env['WAYBILL_NPM12'] ?? path.join(PROJECT_ROOT, '.tools', 'node12', 'lib', 'node_modules', 'npm', 'bin', 'npm-cli.js'),
        },
        cwd: layout.nodeDir(node),
      };
  }
}

/**
 * Starts a node unless it runs already, and waits until it is healthy; its name goes into
 * `started` as soon as its process exists (so a failed `up` stops it again).
 */
export async function startNode(net: NodeHost, bin: NodeBinaries, node: FabricNode, started: string[]): Promise<void> {
  const pidFile = net.layout.pidFile(node.name);
  if (runningPid(pidFile) !== undefined) return;
  const launch = launchOf(net, bin, node);
  const logFile = net.layout.logFile(node.name);
  startProcess({ name: node.name, command: launch.command, args: launch.args, env: { ...process.env, ...launch.env }, cwd: launch.cwd, logFile, pidFile });
  started.push(node.name);
  await waitHealthy(node.name, pidFile, logFile, () => probeNode(net, node));
  launch.afterHealthy?.();
}

/** Health of one node through its operations endpoint (CAs: /cainfo). */
export async function probeNode(net: NodeHost, n: FabricNode): Promise<boolean> {
  if (n.kind === 'ca') {
    const ca = net.layout.caCert(n);
    if (!existsSync(ca)) return false;
    const r = await httpsGet(`https://${n.host.endpoint}:${n.port}/cainfo`, readFileSync(ca));
    return r.status === 200;
  }
  const org = orgNamed(net, n.org);
  const r = await httpsGet(`https://${n.host.endpoint}:${n.operationsPort}/healthz`, readFileSync(net.layout.orgTlsCa(org)));
  // A peer serves /healthz as soon as its operations server is up, well before its gRPC server
  // listens (ledgers, gossip and chaincode support start in between; seconds on a loaded
  // machine): healthy also means the node's own port takes connections (seen in CI: a partner's
  // peer joined right after start refused with ECONNREFUSED).
  return r.status === 200 && (await portInUse(n.port, n.host.address));
}

/**
 * Fails with every port another process holds among those the nodes not yet running will listen
 * on.
 */
export async function checkPorts(nodes: readonly FabricNode[], running: readonly string[]): Promise<void> {
  const busy: string[] = [];
  const ports: [string, number, string][] = [];
  for (const n of nodes) {
    if (running.includes(n.name)) continue;
    ports.push([n.name, n.port, n.host.address], [`${n.name} operations`, n.operationsPort, n.host.address]);
    if (n.kind === 'orderer') ports.push([`${n.name} admin`, n.adminPort, n.host.address]);
    if (n.kind === 'peer') ports.push([`${n.name} chaincode`, n.chaincodePort, n.host.address]);
  }
  await Promise.all(
    ports.map(async ([name, port, host]) => {
      if (await portInUse(port, host)) busy.push(`${name} (${port})`);
    }),
  );
  if (busy.length) {
    throw new CliError(
      `port(s) already in use: ${busy.sort().join(', ')}; stop what holds them or pick another --base-port / WAYBILL_BASE_PORT`,
      { step: 'port check' },
    );
  }
}

/**
 * Stops every process of the network's run folder (by PID file), in the order that lets each
 * finish cleanly: gateway APIs, chaincode servers, peers, orderers, then CAs.
 * @returns the names of those that were running.
 */
export async function stopAll(net: NetworkModel): Promise<string[]> {
  const stopped: string[] = [];
  if (!existsSync(net.layout.runDir)) return stopped;
  const names = readdirSync(net.layout.runDir)
    .filter((f) => f.endsWith('.pid'))
    .map((f) => f.slice(0, -4));
  const order = (n: string): number =>
    n.startsWith('api.') ? 0 : n.startsWith('chaincode') ? 1 : n.startsWith('peer') ? 2 : n.startsWith('orderer') ? 3 : 4;
  const groups = new Map<number, string[]>();
  for (const n of names) groups.set(order(n), [...(groups.get(order(n)) ?? []), n]);
  for (const k of [...groups.keys()].sort()) {
    await Promise.all(
      (groups.get(k) ?? []).map(async (n) => {
        if (await stopProcess(net.layout.pidFile(n))) stopped.push(n);
      }),
    );
  }
  return stopped;
}
