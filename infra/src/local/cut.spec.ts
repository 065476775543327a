import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { CliError } from '../common/errors';
import { resolveNetwork } from './context';
import { cutHostName, cutProcesses, newLoopbackCut } from './cut';
import { REAL_TOPOLOGY, TEST_BASE_PORT } from '../testing/fixtures';
import { TmpDirs } from '../testing/tmp';
import { normaliseTopology, type TopologySpec } from '../topology/topology';
import { parse } from 'yaml';

const tmp = new TmpDirs();
afterAll(() => tmp.cleanup());

const network = () =>
  resolveNetwork({ dir: tmp.make(), basePort: TEST_BASE_PORT, topologyFile: REAL_TOPOLOGY });

/** The state letter of a process (`T` stopped, `S` sleeping, `R` running). */
const state = (pid: number): string =>
  /^\d+ \(.*\) (\S)/.exec(readFileSync(`/proc/${pid}/stat`, 'utf8'))?.[1] ?? '?';

describe('cutProcesses', () => {
  it('is one node for a node, and every Fabric process of an organisation (not its API) for an organisation', () => {
    const net = network();
    expect(cutProcesses(net, { kind: 'node', name: 'orderer1' })).toEqual(['orderer1']);
    expect(cutProcesses(net, { kind: 'org', org: 'retailer' })).toEqual([
      'peer0.retailer',
      'chaincode.retailer',
      'ca.retailer',
    ]);
    expect(cutProcesses(net, { kind: 'org', org: 'Retailer' })).toEqual(
      cutProcesses(net, { kind: 'org', org: 'retailer' }),
    );
  });

  it('refuses what is not an orderer, a peer or a peer organisation', () => {
    const net = network();
    expect(() => cutProcesses(net, { kind: 'node', name: 'api.retailer' })).toThrow(CliError);
    expect(() => cutProcesses(net, { kind: 'org', org: 'orderer' })).toThrow(/not a peer organisation/);
  });
});

describe('cutHostName', () => {
  // The repository's topology over hosts as test/network/multihost.e2e.ts places it.
  const spec = parse(readFileSync(REAL_TOPOLOGY, 'utf8')) as TopologySpec & {
    organizations: { name: string; host?: string; orderers?: unknown; failoverPeers?: unknown }[];
  };
  const hosts: Record<string, string> = { Orderer: 'ord', Manufacturer: 'man', Carrier: 'car', Retailer: 'ret', Authority: 'aut' };
  const placed = normaliseTopology({
    ...spec,
    basePort: TEST_BASE_PORT,
    hosts: ['ord', 'ord1', 'ord2', 'man', 'car', 'ret', 'aut'].map((name, i) => ({ name, address: `10.0.0.${10 + i}` })),
    organizations: spec.organizations.map((o) => ({
      ...o,
      host: hosts[o.name],
      failoverPeers: undefined,
      orderers: o.orderers ? ['orderer0', { name: 'orderer1', host: 'ord1' }, { name: 'orderer2', host: 'ord2' }] : undefined,
    })),
  });

  it('is a node’s own host, and an organisation’s host', () => {
    expect(cutHostName(placed, { kind: 'node', name: 'orderer0' })).toBe('ord');
    expect(cutHostName(placed, { kind: 'node', name: 'orderer2' })).toBe('ord2');
    expect(cutHostName(placed, { kind: 'node', name: 'peer0.carrier' })).toBe('car');
    expect(cutHostName(placed, { kind: 'org', org: 'retailer' })).toBe('ret');
    expect(cutHostName(placed, { kind: 'org', org: 'Authority' })).toBe('aut');
  });

  it('is the one implicit host without hosts:, and refuses what the network does not have', () => {
    const net = network();
    expect(cutHostName(net.topology, { kind: 'node', name: 'orderer1' })).toBe('local');
    expect(() => cutHostName(placed, { kind: 'node', name: 'api.retailer' })).toThrow(CliError);
    expect(() => cutHostName(placed, { kind: 'org', org: 'orderer' })).toThrow(/not a peer organisation/);
  });
});

describe('newLoopbackCut', () => {
  it('stops the target’s processes and continues them on heal; healAll heals what is left', async () => {
    const net = network();
    mkdirSync(net.layout.runDir, { recursive: true });
    const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], {
      detached: true,
      stdio: 'ignore',
    });
    const pid = child.pid as number;
    try {
      writeFileSync(net.layout.pidFile('orderer1'), `${pid}\n`);
      const cut = newLoopbackCut(net);
      await cut.cut({ kind: 'node', name: 'orderer1' });
      await sleep(100);
      expect(state(pid)).toBe('T');
      await cut.heal({ kind: 'node', name: 'orderer1' });
      await sleep(100);
      expect(state(pid)).not.toBe('T');
      await cut.cut({ kind: 'node', name: 'orderer1' });
      await cut.healAll();
      await sleep(100);
      expect(state(pid)).not.toBe('T');
      await expect(cut.cut({ kind: 'node', name: 'orderer2' })).rejects.toThrow(/none of its processes runs/);
    } finally {
      process.kill(-pid, 'SIGKILL');
    }
  });
});
