import { CliError } from '../common/errors';
import type { NetworkModel } from '../topology/layout';
import { runningPid, signalGroup } from './processes';

/**
 * What a fault test cuts off the network: one node (an orderer or a peer, by name), or a whole
 * organisation's host (every peer, chaincode server and CA of the organisation).
 *
 * How much of an organisation a cut takes depends on the implementation: the loopback form stops
 * its peers, chaincode server and CA but leaves its gateway API running beside the test's clients
 * (which then see it answer 503 while its peers are out of reach); the network-namespace form
 * takes the organisation's whole host off the bridge, gateway API included, so only clients on
 * that host still reach the API (see {@link cutHostName}).
 */
export type CutTarget =
  { readonly kind: 'node'; readonly name: string } | { readonly kind: 'org'; readonly org: string };

/**
 * Cuts a target off the network and heals it again, leaving its processes and their state as
 * they were: a cut node's peers see connections hang (no refusal, no reset), as across a
 * partition. How the cut is made is the implementation's business (stopped processes on one
 * loopback, a link set down between network-namespace hosts).
 */
export interface NetworkCut {
  /**
   * Cuts `target` off. Cutting a target that is already cut does nothing.
   * @throws CliError when the target is unknown or none of its processes runs.
   */
  cut(target: CutTarget): Promise<void>;
  /** Heals `target` (nothing if it is not cut). */
  heal(target: CutTarget): Promise<void>;
  /** Heals every target still cut (for a test's clean-up). */
  healAll(): Promise<void>;
}

/** A readable name of a target, for logs and test titles. */
export function cutName(target: CutTarget): string {
  return target.kind === 'node' ? target.name : `organisation ${target.org}`;
}

/**
 * The host that carries `target` in a multi-host topology: an orderer's or peer's own host, an
 * organisation's host (its CA, peers, chaincode servers and gateway API). Cutting that host off
 * the network cuts the target, and with it whatever else the host carries.
 * @throws CliError when the target is not an orderer, a peer or a peer organisation.
 */
export function cutHostName(topology: NetworkModel['topology'], target: CutTarget): string {
  if (target.kind === 'node') {
    const node = [...topology.orderers, ...topology.peers].find((n) => n.name === target.name);
    if (!node) throw new CliError(`cannot cut ${target.name}: not an orderer or peer of the network`);
    return node.host.name;
  }
  const org = topology.peerOrgs.find((o) => o.key === target.org || o.name === target.org);
  if (!org)
    throw new CliError(`cannot cut organisation ${target.org}: not a peer organisation of the network`);
  return org.host.name;
}

/** The PID-file names of the processes that make up `target` on the local network. */
export function cutProcesses(net: NetworkModel, target: CutTarget): string[] {
  const { topology } = net;
  if (target.kind === 'node') {
    const known = [...topology.orderers, ...topology.peers].some((n) => n.name === target.name);
    if (!known) throw new CliError(`cannot cut ${target.name}: not an orderer or peer of the network`);
    return [target.name];
  }
  const org = topology.peerOrgs.find((o) => o.key === target.org || o.name === target.org);
  if (!org)
    throw new CliError(`cannot cut organisation ${target.org}: not a peer organisation of the network`);
  const chaincode = topology.chaincodeServers.filter((c) => c.org === org.name).map((c) => c.name);
  return [...org.peers.map((p) => p.name), ...chaincode, org.ca.name];
}

/**
 * {@link NetworkCut} for a network whose nodes share one loopback: the target's processes are
 * stopped (SIGSTOP) and continued (SIGCONT). A stopped process keeps its sockets open and its
 * listening ports bound, so the others' connections and new connection attempts hang until a
 * deadline or a keep-alive gives up — as across a partition, unlike a killed process, whose port
 * refuses at once. It also stops the target's own outgoing traffic (its heartbeats, its pulls),
 * as a link down does.
 */
export function newLoopbackCut(net: NetworkModel): NetworkCut {
  /** Cut targets (by name) → the PIDs stopped for them. */
  const stopped = new Map<string, number[]>();
  const key = (t: CutTarget): string => `${t.kind}:${t.kind === 'node' ? t.name : t.org}`;
  const heal = (k: string): void => {
    for (const pid of stopped.get(k) ?? []) signalGroup(pid, 'SIGCONT');
    stopped.delete(k);
  };
  return {
    cut(target) {
      const k = key(target);
      if (stopped.has(k)) return Promise.resolve();
      const pids = cutProcesses(net, target)
        .map((name) => runningPid(net.layout.pidFile(name)))
        .filter((pid): pid is number => pid !== undefined);
      if (pids.length === 0) {
        return Promise.reject(new CliError(`cannot cut ${cutName(target)}: none of its processes runs`));
      }
      for (const pid of pids) signalGroup(pid, 'SIGSTOP');
      stopped.set(k, pids);
      return Promise.resolve();
    },
    heal(target) {
      heal(key(target));
      return Promise.resolve();
    },
    healAll() {
      for (const k of [...stopped.keys()]) heal(k);
      return Promise.resolve();
    },
  };
}
