import { execFile } from 'node:child_process';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { PROJECT_ROOT, resolveNetwork } from '../local/context';
import { connectAs, sampleAssetInput } from '../local/gateway-client';
import { LocalNetwork } from '../local/network';
import type { Row } from './network-bench';
import { percentile } from './stats';

const run = promisify(execFile);
const CLI = path.join(PROJECT_ROOT, 'infra', 'dist', 'cli.js');

const now = (): number => performance.timeOrigin + performance.now();

interface Observer {
  readonly port: number;
  /** Event ID → when a raw client saw it committed (epoch ms). */
  readonly committed: Map<string, number>;
  /** Event ID → when its webhook arrived. */
  readonly delivered: Map<string, number>;
  stop(): void;
}

/** Starts `events-observer.js` (a process of its own) and follows what it prints. */
async function startObserver(dir: string, basePort: number): Promise<Observer> {
  const child = spawn(process.execPath, [path.join(__dirname, 'events-observer.js'), dir, String(basePort)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const committed = new Map<string, number>();
  const delivered = new Map<string, number>();
  const lines = createInterface({ input: child.stdout });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`events observer exited (${code ?? 'signal'})`)));
    lines.on('line', (line) => {
      const [kind, id, value] = line.split(' ');
      if (kind === 'port') resolve(Number(id));
      else if (kind === 'commit' && id) committed.set(id, Number(value));
      else if (kind === 'hook' && id) delivered.set(id, Number(value));
    });
  });
  return { port, committed, delivered, stop: () => child.kill('SIGTERM') };
}

/**
 * Commit-to-webhook latency and delivered events per second (issue 6). Starts its own stack (network,
 * chaincode, one gateway per organisation) on `basePort`, subscribes a local receiver to the
 * Manufacturer gateway, drives `createAsset` transactions through a raw Fabric Gateway client at a
 * fixed rate, and matches each webhook (by event ID `<txId>:AssetCreated`) with the moment a raw
 * client listening to the same peer's chaincode events saw it committed (both timestamps taken in the
 * observer process). Then a burst measures how many events per second the gateway delivers when
 * transactions arrive as fast as the network commits them.
 */
export async function eventsBench(options: {
  readonly basePort: number;
  readonly ratePerSecond: number;
  readonly seconds: number;
  readonly burst: number;
}): Promise<Row[]> {
  const dir = path.join(PROJECT_ROOT, '.network', 'bench-events');
  const flags = ['--dir', dir, '--base-port', String(options.basePort)];
  let observer: Observer | undefined;
  const rows: Row[] = [];
  try {
    await run(process.execPath, [CLI, 'network', 'clean', ...flags], { timeout: 120_000 });
    await run(process.execPath, [CLI, 'stack', 'up', '--mode', 'ccaas', ...flags], { timeout: 1_800_000 });
    observer = await startObserver(dir, options.basePort);
    const { committed, delivered } = observer;
    const api = JSON.parse(readFileSync(path.join(dir, 'gateway', 'manufacturer-api-keys.json'), 'utf8')) as {
      url: string;
      keys: Record<string, string>;
    };
    const res = await fetch(`${api.url}/v1/webhooks`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': api.keys['manufacturer-admin1'] ?? '' },
      body: JSON.stringify({
        url: `http://127.0.0.1:${observer.port}/hook`,
        events: ['AssetCreated'],
      }),
    });
    if (res.status !== 201) throw new Error(`subscribing failed: ${res.status} ${await res.text()}`);

    const net = new LocalNetwork(resolveNetwork({ dir, basePort: options.basePort }), () => undefined);
    const client = connectAs(net, 'Manufacturer', 'manufacturer-user1');
    try {
      const submit = async (id: string): Promise<string> => {
        const proposal = client.contract.newProposal('createAsset', { arguments: [sampleAssetInput(id)] });
        const status = await (await (await proposal.endorse()).submit()).getStatus();
        if (!status.successful)
          throw new Error(`transaction ${proposal.getTransactionId()} invalid: ${status.code}`);
        return `${proposal.getTransactionId()}:AssetCreated`;
      };
      const waitDelivered = async (ids: readonly string[], ms: number): Promise<void> => {
        const end = Date.now() + ms;
        while (ids.some((id) => !delivered.has(id) || !committed.has(id)) && Date.now() < end)
          await sleep(50);
      };
      /** Commit-to-webhook latencies (ms, sorted) of the events both seen committed and delivered. */
      const latencies = (ids: readonly string[]): number[] =>
        ids
          .map((id) => (delivered.get(id) ?? Number.NaN) - (committed.get(id) ?? Number.NaN))
          .filter((ms) => !Number.isNaN(ms))
          .sort((a, b) => a - b);
      // Warm-up: connections, chaincode, the gateway's first delivery.
      await waitDelivered([await submit(`bench-ev-warm-${Date.now()}`)], 60_000);

      // Moderate load: a fixed arrival rate (open loop), whatever the latency.
      const n = options.ratePerSecond * options.seconds;
      const interval = 1000 / options.ratePerSecond;
      const started = now();
      const pending: Promise<string>[] = [];
      for (let i = 0; i < n; i++) {
        const due = started + i * interval;
        if (due > now()) await sleep(due - now());
        pending.push(submit(`bench-ev-${Date.now()}-${i}`));
      }
      const moderate = await Promise.all(pending);
      await waitDelivered(moderate, 60_000);
      const lat = latencies(moderate);
      const firstCommit = Math.min(...moderate.map((id) => committed.get(id) ?? Infinity));
      const lastDelivery = Math.max(...moderate.map((id) => delivered.get(id) ?? 0));
      rows.push({
        metric: `commit-to-webhook latency, ${options.ratePerSecond} tx/s for ${options.seconds} s (n=${n}, delivered ${lat.length})`,
        value: `p50 ${percentile(lat, 50).toFixed(0)} ms, p99 ${percentile(lat, 99).toFixed(0)} ms, max ${(lat[lat.length - 1] ?? Number.NaN).toFixed(0)} ms`,
        target: 'p99 ≤ 200 ms',
      });
      rows.push({
        metric: 'events delivered per second at that load',
        value: `${(lat.length / ((lastDelivery - firstCommit) / 1000)).toFixed(1)} events/s`,
      });

      // Burst: as fast as the network commits (32 transactions in flight), then count deliveries.
      const burst: string[] = [];
      let next = 0;
      await Promise.all(
        Array.from({ length: 32 }, async () => {
          while (next < options.burst) {
            const i = next++;
            burst.push(await submit(`bench-burst-${Date.now()}-${i}`));
          }
        }),
      );
      await waitDelivered(burst, 120_000);
      const burstLat = latencies(burst);
      const burstFirst = Math.min(...burst.map((id) => committed.get(id) ?? Infinity));
      const burstLastCommit = Math.max(...burst.map((id) => committed.get(id) ?? 0));
      const burstLastDelivery = Math.max(...burst.map((id) => delivered.get(id) ?? 0));
      rows.push({
        metric: `burst of ${options.burst} tx (32 in flight): committed / delivered per second`,
        value: `${(burst.length / ((burstLastCommit - burstFirst) / 1000)).toFixed(1)} tx/s committed, ${(burstLat.length / ((burstLastDelivery - burstFirst) / 1000)).toFixed(1)} events/s delivered`,
      });
      rows.push({
        metric: 'commit-to-webhook latency during the burst',
        value: `p50 ${percentile(burstLat, 50).toFixed(0)} ms, p99 ${percentile(burstLat, 99).toFixed(0)} ms`,
      });
    } finally {
      client.close();
    }
  } finally {
    observer?.stop();
    await run(process.execPath, [CLI, 'network', 'clean', ...flags], { timeout: 120_000 }).catch(
      () => undefined,
    );
  }
  return rows;
}
