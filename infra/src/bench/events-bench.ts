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

/** What the load generator saw for one transaction. */
interface Committed {
  readonly txId: string;
  /** When the raw client's commit-status call returned (epoch ms, sub-millisecond). */
  readonly committedAt: number;
}

const now = (): number => performance.timeOrigin + performance.now();

/**
 * The webhook receiver runs in a process of its own: in the load generator's process, signing and
 * submitting would delay the moment a request is seen and inflate the latency measured. It prints
 * `<event id> <epoch ms>` per first delivery of an event; both processes read the same clock.
 */
const RECEIVER = `
const http = require('node:http');
const seen = new Set();
const server = http.createServer((req, res) => {
  const at = performance.timeOrigin + performance.now();
  req.resume();
  req.on('end', () => {
    const id = req.headers['waybill-event-id'];
    if (typeof id === 'string' && !seen.has(id)) { seen.add(id); process.stdout.write(id + ' ' + at + '\\n'); }
    res.writeHead(204).end();
  });
});
server.listen(0, '127.0.0.1', () => process.stdout.write('port ' + server.address().port + '\\n'));
`;

async function startReceiver(): Promise<{ port: number; received: Map<string, number>; stop(): void }> {
  const child = spawn(process.execPath, ['-e', RECEIVER], { stdio: ['ignore', 'pipe', 'inherit'] });
  const received = new Map<string, number>();
  const lines = createInterface({ input: child.stdout });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`webhook receiver exited (${code ?? 'signal'})`)));
    lines.on('line', (line) => {
      const [key, value] = line.split(' ');
      if (key === 'port') resolve(Number(value));
      else if (key !== undefined) received.set(key, Number(value));
    });
  });
  return { port, received, stop: () => child.kill() };
}

/**
 * Commit-to-webhook latency and delivered events per second (issue 6). Starts its own stack (network,
 * chaincode, one gateway per organisation) on `basePort`, subscribes a local receiver to the
 * Manufacturer gateway, drives `createAsset` transactions through a raw Fabric Gateway client at a
 * fixed rate, and matches each webhook (by event ID `<txId>:AssetCreated`) with the moment the
 * client's commit-status call returned for that transaction. Then a burst measures how many events
 * per second the gateway delivers when transactions arrive as fast as the network commits them.
 */
export async function eventsBench(options: {
  readonly basePort: number;
  readonly ratePerSecond: number;
  readonly seconds: number;
  readonly burst: number;
}): Promise<Row[]> {
  const dir = path.join(PROJECT_ROOT, '.network', 'bench-events');
  const flags = ['--dir', dir, '--base-port', String(options.basePort)];
  const receiver = await startReceiver();
  const received = receiver.received;
  const rows: Row[] = [];
  try {
    await run(process.execPath, [CLI, 'network', 'clean', ...flags], { timeout: 120_000 });
    await run(process.execPath, [CLI, 'stack', 'up', '--mode', 'ccaas', ...flags], { timeout: 1_800_000 });
    const api = JSON.parse(readFileSync(path.join(dir, 'gateway', 'manufacturer-api-keys.json'), 'utf8')) as {
      url: string;
      keys: Record<string, string>;
    };
    const res = await fetch(`${api.url}/v1/webhooks`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': api.keys['manufacturer-admin1'] ?? '' },
      body: JSON.stringify({
        url: `http://127.0.0.1:${receiver.port}/hook`,
        events: ['AssetCreated'],
      }),
    });
    if (res.status !== 201) throw new Error(`subscribing failed: ${res.status} ${await res.text()}`);

    const net = new LocalNetwork(resolveNetwork({ dir, basePort: options.basePort }), () => undefined);
    const client = connectAs(net, 'Manufacturer', 'manufacturer-user1');
    try {
      const submit = async (id: string): Promise<Committed> => {
        const proposal = client.contract.newProposal('createAsset', { arguments: [sampleAssetInput(id)] });
        const status = await (await (await proposal.endorse()).submit()).getStatus();
        const committedAt = now();
        if (!status.successful) throw new Error(`transaction ${proposal.getTransactionId()} invalid: ${status.code}`);
        return { txId: proposal.getTransactionId(), committedAt };
      };
      const waitDelivered = async (txs: readonly Committed[], ms: number): Promise<void> => {
        const end = Date.now() + ms;
        while (txs.some((t) => !received.has(`${t.txId}:AssetCreated`)) && Date.now() < end) await sleep(50);
      };
      // Warm-up: connections, chaincode, the gateway's first delivery.
      await waitDelivered([await submit(`bench-ev-warm-${Date.now()}`)], 60_000);

      // Moderate load: a fixed arrival rate (open loop), whatever the latency.
      const n = options.ratePerSecond * options.seconds;
      const interval = 1000 / options.ratePerSecond;
      const started = now();
      const pending: Promise<Committed>[] = [];
      for (let i = 0; i < n; i++) {
        const due = started + i * interval;
        if (due > now()) await sleep(due - now());
        pending.push(submit(`bench-ev-${Date.now()}-${i}`));
      }
      const moderate = await Promise.all(pending);
      await waitDelivered(moderate, 60_000);
      const latencies = moderate
        .map((t) => (received.get(`${t.txId}:AssetCreated`) ?? Number.NaN) - t.committedAt)
        .filter((ms) => !Number.isNaN(ms))
        .sort((a, b) => a - b);
      const lastDelivery = Math.max(...moderate.map((t) => received.get(`${t.txId}:AssetCreated`) ?? 0));
      rows.push({
        metric: `commit-to-webhook latency, ${options.ratePerSecond} tx/s for ${options.seconds} s (n=${n}, delivered ${latencies.length})`,
        value: `p50 ${percentile(latencies, 50).toFixed(0)} ms, p99 ${percentile(latencies, 99).toFixed(0)} ms, max ${(latencies[latencies.length - 1] ?? Number.NaN).toFixed(0)} ms`,
        target: 'p99 ≤ 200 ms',
      });
      rows.push({
        metric: `events delivered per second at that load`,
        value: `${(latencies.length / ((lastDelivery - started) / 1000)).toFixed(1)} events/s`,
      });

      // Burst: as fast as the network commits (32 clients in flight), then count deliveries.
      const burstStart = now();
      const burst: Committed[] = [];
      let next = 0;
      await Promise.all(
        Array.from({ length: 32 }, async () => {
          while (next < options.burst) {
            const i = next++;
            burst.push(await submit(`bench-burst-${Date.now()}-${i}`));
          }
        }),
      );
      const committedEnd = now();
      await waitDelivered(burst, 120_000);
      const deliveredAt = burst.map((t) => received.get(`${t.txId}:AssetCreated`) ?? Number.NaN);
      const deliveredEnd = Math.max(...deliveredAt.filter((t) => !Number.isNaN(t)));
      const burstLat = burst
        .map((t, i) => (deliveredAt[i] ?? Number.NaN) - t.committedAt)
        .filter((ms) => !Number.isNaN(ms))
        .sort((a, b) => a - b);
      rows.push({
        metric: `burst of ${options.burst} tx (32 in flight): committed / delivered per second`,
        value: `${(options.burst / ((committedEnd - burstStart) / 1000)).toFixed(1)} tx/s committed, ${(burstLat.length / ((deliveredEnd - burstStart) / 1000)).toFixed(1)} events/s delivered`,
      });
      rows.push({
        metric: `commit-to-webhook latency during the burst`,
        value: `p50 ${percentile(burstLat, 50).toFixed(0)} ms, p99 ${percentile(burstLat, 99).toFixed(0)} ms`,
      });
    } finally {
      client.close();
    }
  } finally {
    receiver.stop();
    await run(process.execPath, [CLI, 'network', 'clean', ...flags], { timeout: 120_000 }).catch(() => undefined);
  }
  return rows;
}
