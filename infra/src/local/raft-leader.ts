import { readFileSync } from 'node:fs';
import { ordererAdmin } from './channel-setup';
import type { NetworkModel } from '../topology/layout';
import type { OrdererNode } from '../topology/topology';
import { httpsGet } from './processes';

/**
 * Whether the Prometheus text of an orderer's `/metrics` says it leads `channel`'s Raft cluster
 * (`consensus_etcdraft_is_leader{channel="…"} 1`); undefined when the metric is absent (the
 * orderer is not a consenter of the channel, or has not started it yet).
 */
export function isLeaderIn(metrics: string, channel: string): boolean | undefined {
  for (const line of metrics.split('\n')) {
    const m = /^consensus_etcdraft_is_leader\{([^}]*)\}\s+(\S+)/.exec(line);
    if (!m || !(m[1] ?? '').split(',').includes(`channel="${channel}"`)) continue;
    return Number(m[2]) === 1;
  }
  return undefined;
}

/**
 * The orderer that leads the channel's Raft cluster, asked of each orderer's operations endpoint
 * on its host (`consensus_etcdraft_is_leader`, as the orderer organisation's admin); `among` limits the question (leave out a node that is cut
 * off: a stopped orderer still claims what it last knew). Undefined while no orderer claims it
 * (an election in progress) or more than one does (a deposed leader has not heard yet).
 */
export async function raftLeader(
  net: NetworkModel,
  among: readonly OrdererNode[] = net.topology.orderers,
): Promise<OrdererNode | undefined> {
  const ca = readFileSync(net.layout.orgTlsCa(net.topology.ordererOrg));
  const claims = await Promise.all(
    among.map(async (o) => {
      // /metrics wants a client certificate of the orderer organisation: its admin's TLS pair.
      const admin = ordererAdmin(net, o);
      const client = { cert: Buffer.from(admin.clientCert), key: Buffer.from(admin.clientKey) };
      const r = await httpsGet(`https://${o.host.endpoint}:${o.operationsPort}/metrics`, ca, 2000, client).catch(
        () => undefined,
      );
      return r?.status === 200 && isLeaderIn(r.body, net.topology.channel) === true ? o : undefined;
    }),
  );
  const leaders = claims.filter((o): o is OrdererNode => o !== undefined);
  return leaders.length === 1 ? leaders[0] : undefined;
}
