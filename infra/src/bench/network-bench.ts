import { readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { spawn } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { deployChaincode, waitForChaincode } from '../lifecycle/deploy';
import { PROJECT_ROOT, resolveNetwork } from '../local/context';
import { LocalNetwork } from '../local/network';
import { readPid } from '../local/processes';
import { connectAs, sampleAssetInput } from '../local/gateway-client';
import { percentile } from './stats';

export interface Row {
  readonly metric: string;
  readonly value: string;
  readonly target?: string;
}

const quiet = (): void => undefined;

function openBench(dir: string, basePort: number, topologyFile?: string): LocalNetwork {
  return new LocalNetwork(
    resolveNetwork({ dir, basePort, ...(topologyFile ? { topologyFile } : {}) }),
    quiet,
  );
}

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t0 = performance.now();
  const r = await fn();
  return [r, (performance.now() - t0) / 1000];
}

async function txLatency(net: LocalNetwork, n: number): Promise<{ p50: number; p95: number; max: number }> {
  const c = connectAs(net, 'Manufacturer', 'manufacturer-user1');
  try {
    const ms: number[] = [];
    // One warm-up transaction: the first call pays for connections and chaincode start.
    await c.contract.submitTransaction('createAsset', sampleAssetInput(`bench-warm-${Date.now()}`));
    for (let i = 0; i < n; i++) {
      const t0 = performance.now();
      await c.contract.submitTransaction('createAsset', sampleAssetInput(`bench-${Date.now()}-${i}`));
      ms.push(performance.now() - t0);
    }
    ms.sort((a, b) => a - b);
    return { p50: percentile(ms, 50), p95: percentile(ms, 95), max: ms[ms.length - 1] ?? Number.NaN };
  } finally {
    c.close();
  }
}

/** Edit a chaincode source file under `chaincode dev` and time until the new server answers. */
async function editToLive(
  net: LocalNetwork,
  dir: string,
  basePort: number,
  rounds: number,
): Promise<number[]> {
  const cli = path.join(PROJECT_ROOT, 'infra', 'dist', 'cli.js');
  const dev = spawn(
    process.execPath,
    [cli, 'chaincode', 'dev', '--dir', dir, '--base-port', String(basePort)],
    {
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  let stderr = '';
  dev.stderr.setEncoding('utf8');
  dev.stderr.on('data', (c: string) => (stderr += c));
  const file = path.join(PROJECT_ROOT, 'chaincode', 'src', 'index.ts');
  const original = readFileSync(file, 'utf8');
  const peer = net.topology.peers[0];
  if (!peer) throw new Error('no peer');
  // The peer's own organisation's chaincode server is the one that must restart.
  const server = net.topology.chaincodeServers.find((s) => s.org === peer.org);
  if (!server) throw new Error(`no chaincode server for ${peer.org}`);
  const results: number[] = [];
  try {
    for (let i = 0; i < 600 && !/watching chaincode/.test(stderr); i++) await sleep(100);
    if (!/watching chaincode/.test(stderr)) throw new Error(`chaincode dev did not start: ${stderr}`);
    for (let i = 0; i < 400 && !/chaincode live/.test(stderr); i++) await sleep(50);
    for (let r = 0; r < rounds; r++) {
      const before = readPid(net.layout.pidFile(server.name));
      const t0 = performance.now();
      writeFileSync(file, `${original}\n// dev-loop benchmark edit ${r}\n`);
      let pid = before;
      while (pid === before && performance.now() - t0 < 60_000) {
        await sleep(20);
        pid = readPid(net.layout.pidFile(server.name));
      }
      await waitForChaincode(net, peer, 60_000);
      results.push((performance.now() - t0) / 1000);
      writeFileSync(file, original);
      await sleep(1500);
    }
  } finally {
    writeFileSync(file, original);
    dev.kill('SIGTERM');
    await new Promise((r) => dev.once('exit', r));
  }
  return results;
}

/** Network and lifecycle figures for docs/benchmarks.md (issue 2). */
export async function networkBench(txCount: number): Promise<Row[]> {
  const rows: Row[] = [];
  const dir = path.join(PROJECT_ROOT, '.network', 'bench');
  const base = 37000;
  const net = openBench(dir, base);
  await net.clean();
  try {
    const [, cold] = await timed(() => net.up());
    rows.push({
      metric: 'network up, cold (binaries present, new crypto)',
      value: `${cold.toFixed(1)} s`,
      target: '≤ 30 s',
    });
    const [d1, deploy] = await timed(() => deployChaincode(net, 'ccaas', quiet));
    rows.push({
      metric: `chaincode deploy --mode ccaas (sequence ${d1.sequence})`,
      value: `${deploy.toFixed(1)} s`,
      target: '≤ 30 s',
    });
    const lat = await txLatency(net, txCount);
    rows.push({
      metric: `submit latency, BatchTimeout 100ms (n=${txCount})`,
      value: `p50 ${lat.p50.toFixed(0)} ms, p95 ${lat.p95.toFixed(0)} ms, max ${lat.max.toFixed(0)} ms`,
    });
    const live = await editToLive(net, dir, base, 3);
    live.sort((a, b) => a - b);
    rows.push({
      metric: 'chaincode dev: edit to live (3 edits)',
      value: `median ${(live[1] ?? live[0] ?? NaN).toFixed(1)} s, max ${(live[live.length - 1] ?? NaN).toFixed(1)} s`,
      target: '≤ 5 s',
    });
    const [d2, pkg] = await timed(() => deployChaincode(net, 'package', quiet));
    rows.push({
      metric: `chaincode deploy --mode package (peer builds with npm; sequence ${d2.sequence})`,
      value: `${pkg.toFixed(1)} s`,
    });
    await net.down();
    const [, warm] = await timed(() => net.up());
    rows.push({
      metric: 'network up, warm (existing crypto and ledgers)',
      value: `${warm.toFixed(1)} s`,
      target: '≤ 30 s',
    });
  } finally {
    await net.clean();
  }

  // The same transaction latency with Fabric's default BatchTimeout (2 s), for comparison.
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'waybill-bench-'));
  const topo = path.join(tmp, 'topology.yaml');
  writeFileSync(
    topo,
    readFileSync(path.join(PROJECT_ROOT, 'network', 'topology.yaml'), 'utf8').replace(
      /batchTimeout: \S+/,
      'batchTimeout: 2s',
    ),
  );
  const slow = openBench(path.join(PROJECT_ROOT, '.network', 'bench-2s'), base + 500, topo);
  await slow.clean();
  try {
    await slow.up();
    await deployChaincode(slow, 'ccaas', quiet);
    const lat = await txLatency(slow, Math.min(txCount, 10));
    rows.push({
      metric: `submit latency, BatchTimeout 2s default (n=${Math.min(txCount, 10)})`,
      value: `p50 ${lat.p50.toFixed(0)} ms, p95 ${lat.p95.toFixed(0)} ms, max ${lat.max.toFixed(0)} ms`,
    });
  } finally {
    await slow.clean();
    rmSync(tmp, { recursive: true, force: true });
  }
  return rows;
}
