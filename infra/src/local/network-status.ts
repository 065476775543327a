import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { CliError } from '../common/errors';
import type { NetworkModel } from '../topology/layout';
import { ordererChannelInfo } from './channel-setup';
import { probeNode, type FabricNode } from './node-processes';
import { runningPid, tail } from './processes';
import { apiUrl } from './apis';

export interface NodeStatus {
  readonly name: string;
  readonly kind: 'ca' | 'orderer' | 'peer' | 'chaincode' | 'api';
  readonly org: string;
  readonly pid: number | null;
  readonly running: boolean;
  readonly endpoint: string;
  readonly healthy: boolean;
}

export interface NetworkStatus {
  readonly dir: string;
  readonly basePort: number;
  readonly channel: string;
  readonly channelHeight: number | null;
  readonly nodes: NodeStatus[];
}

/**
 * The network as it runs: every node with its PID, endpoint and health, the chaincode servers and
 * gateway APIs that were started, and the channel height the running orderers report.
 */
export async function networkStatus(net: NetworkModel, fabricNodes: readonly FabricNode[]): Promise<NetworkStatus> {
  const { layout, topology } = net;
  const nodes: NodeStatus[] = await Promise.all(
    fabricNodes.map(async (n) => {
      const pid = runningPid(layout.pidFile(n.name)) ?? null;
      const healthy = pid !== null && (await probeNode(net, n).catch(() => false));
      return {
        name: n.name,
        kind: n.kind,
        org: n.org,
        pid,
        running: pid !== null,
        endpoint: `${n.host.endpoint}:${n.port}`,
        healthy,
      };
    }),
  );
  nodes.push(...sideProcesses(net));
  let channelHeight: number | null = null;
  for (const o of topology.orderers) {
    if (runningPid(layout.pidFile(o.name)) === undefined) continue;
    try {
      const info = await ordererChannelInfo(net, o);
      if (info) channelHeight = Math.max(channelHeight ?? 0, info.height);
    } catch {
      /* another orderer may answer */
    }
  }
  return { dir: layout.root, basePort: topology.basePort, channel: topology.channel, channelHeight, nodes };
}

/** The chaincode servers and gateway APIs, when they were started. */
function sideProcesses(net: NetworkModel): NodeStatus[] {
  const { layout, topology } = net;
  const out: NodeStatus[] = [];
  for (const server of topology.chaincodeServers) {
    const cc = runningPid(layout.pidFile(server.name));
    if (cc === undefined && !existsSync(layout.pidFile(server.name))) continue;
    out.push({
      name: server.name,
      kind: 'chaincode',
      org: server.org,
      pid: cc ?? null,
      running: cc !== undefined,
      endpoint: `${server.host.endpoint}:${server.port}`,
      healthy: cc !== undefined,
    });
  }
  for (const org of topology.peerOrgs) {
    const name = `api.${org.key}`;
    const pid = runningPid(layout.pidFile(name));
    if (pid === undefined && !existsSync(layout.pidFile(name))) continue;
    out.push({
      name,
      kind: 'api',
      org: org.name,
      pid: pid ?? null,
      running: pid !== undefined,
      endpoint: apiUrl(org),
      healthy: pid !== undefined,
    });
  }
  return out;
}

/** Last lines of a node's log, or the list of logs. */
export function nodeLogs(net: NetworkModel, node: string | undefined, lines: number): string {
  const { layout } = net;
  if (!node) {
    if (!existsSync(layout.logsDir)) return 'no logs yet';
    return readdirSync(layout.logsDir)
      .map((f) => path.join(layout.logsDir, f))
      .join('\n');
  }
  const file = layout.logFile(node);
  if (!existsSync(file)) {
    const known = existsSync(layout.logsDir) ? readdirSync(layout.logsDir).map((f) => f.replace(/\.log$/, '')) : [];
    throw new CliError(`no log for node "${node}"; known: ${known.join(', ') || 'none (is the network up?)'}`);
  }
  return tail(file, lines);
}
