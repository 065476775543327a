import { execFile, execFileSync } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { cutHostName, type CutTarget, type NetworkCut } from '../../infra/src/local/cut';
import type { Topology } from '../../infra/src/topology/topology';

/**
 * Hosts of a multi-host test network: Linux network namespaces joined by a bridge in the root
 * namespace, each with its own address in a private /24. The test creates and deletes them itself;
 * nothing but these addresses and loopback is contacted.
 */
export interface NetnsHost {
  /** The topology's host name. */
  readonly name: string;
  /** The network namespace it runs in. */
  readonly ns: string;
  /** Its end of the link in the root namespace (on the bridge): cut and heal it with {@link cutHost}. */
  readonly veth: string;
  readonly address: string;
}

export interface HostNetwork {
  readonly prefix: string;
  readonly bridge: string;
  /** The root namespace's address on the bridge (the test process talks from it). */
  readonly gateway: string;
  readonly hosts: readonly NetnsHost[];
}

function ip(...args: string[]): string {
  return execFileSync('ip', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

function quietly(fn: () => unknown): void {
  try {
    fn();
  } catch {
    /* already gone */
  }
}

/**
 * Creates the hosts: a bridge `<prefix>br` with `10.203.<octet>.1/24`, and per host a namespace
 * `<prefix>-<name>` whose `eth0` (veth to the bridge) has `10.203.<octet>.<10+i>/24`, loopback up.
 * Leftovers of an earlier run with the same prefix are removed first.
 */
export function createHostNetwork(prefix: string, octet: number, names: readonly string[]): HostNetwork {
  destroyHostNetwork(prefix);
  const subnet = `10.203.${octet}`;
  const bridge = `${prefix}br`;
  ip('link', 'add', bridge, 'type', 'bridge');
  ip('addr', 'add', `${subnet}.1/24`, 'dev', bridge);
  ip('link', 'set', bridge, 'up');
  const hosts = names.map((name, i): NetnsHost => {
    const ns = `${prefix}-${name}`;
    const veth = `${prefix}v${i}`;
    const address = `${subnet}.${10 + i}`;
    ip('netns', 'add', ns);
    ip('link', 'add', veth, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns);
    ip('-n', ns, 'addr', 'add', `${address}/24`, 'dev', 'eth0');
    ip('-n', ns, 'link', 'set', 'eth0', 'up');
    ip('-n', ns, 'link', 'set', 'lo', 'up');
    ip('link', 'set', veth, 'master', bridge, 'up');
    return { name, ns, veth, address };
  });
  return { prefix, bridge, gateway: `${subnet}.1`, hosts };
}

/**
 * Deletes every namespace and link named with `prefix` (this run's or a crashed run's): the
 * processes still in a namespace (ones the test started there) are stopped by PID first.
 */
export function destroyHostNetwork(prefix: string): void {
  const namespaces = ip('netns', 'list')
    .split('\n')
    .map((l) => l.split(' ')[0] ?? '')
    .filter((n) => n.startsWith(`${prefix}-`));
  const pids = namespaces.flatMap((ns) => {
    try {
      return ip('netns', 'pids', ns).split('\n').filter(Boolean).map(Number);
    } catch {
      return [];
    }
  });
  for (const pid of pids) quietly(() => process.kill(pid, 'SIGKILL'));
  for (const ns of namespaces) quietly(() => ip('netns', 'del', ns));
  const links = ip('-o', 'link', 'show')
    .split('\n')
    .map((l) => /^\d+: ([^:@]+)/.exec(l)?.[1] ?? '')
    .filter((n) => n.startsWith(prefix));
  for (const link of links) quietly(() => ip('link', 'del', link));
}

/** Cuts a host off the bridge (its link goes down): a network partition of that one host. */
export function cutHost(host: NetnsHost): void {
  ip('link', 'set', host.veth, 'down');
}

/** Brings a cut host's link back. */
export function healHost(host: NetnsHost): void {
  ip('link', 'set', host.veth, 'up');
}

/**
 * {@link NetworkCut} between network-namespace hosts: a target's host (an orderer's, an
 * organisation's — see `cutHostName`) is cut off the bridge with {@link cutHost} and healed with
 * {@link healHost}. Everything on that host goes with it, an organisation's gateway API included;
 * the processes keep running and reach each other on the host. A host cut for two targets comes
 * back when both are healed.
 */
export function newNetnsCut(net: HostNetwork, topology: Topology): NetworkCut {
  /** Cut targets (by key) → their host. */
  const cut = new Map<string, NetnsHost>();
  const key = (t: CutTarget): string => `${t.kind}:${t.kind === 'node' ? t.name : t.org.toLowerCase()}`;
  const heal = (k: string): void => {
    const h = cut.get(k);
    if (!h) return;
    cut.delete(k);
    if (![...cut.values()].includes(h)) healHost(h);
  };
  return {
    cut(target) {
      const k = key(target);
      if (cut.has(k)) return Promise.resolve();
      const name = cutHostName(topology, target);
      const h = net.hosts.find((x) => x.name === name);
      if (!h) return Promise.reject(new Error(`host ${name} is not one of the test's namespaces`));
      cutHost(h);
      cut.set(k, h);
      return Promise.resolve();
    },
    heal(target) {
      heal(key(target));
      return Promise.resolve();
    },
    healAll() {
      for (const k of [...cut.keys()]) heal(k);
      return Promise.resolve();
    },
  };
}

/** Runs a command inside a host's namespace; resolves with stdout, rejects with stderr's tail. */
export function inHost(host: NetnsHost, command: string, args: readonly string[], env: NodeJS.ProcessEnv, timeoutMs = 600_000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('ip', ['netns', 'exec', host.ns, command, ...args], { env, timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`[${host.name}] ${[command, ...args].join(' ')} failed: ${stderr.split('\n').slice(-15).join('\n') || err.message}`));
      else resolve(stdout);
    });
  });
}

/** Waits until `check` holds, polling; throws with the last reason after `timeoutMs`. */
export async function eventually<T>(check: () => Promise<T>, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      return await check();
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`${what} within ${timeoutMs / 1000}s: ${(last as Error).message}`);
    await sleep(500);
  }
}
