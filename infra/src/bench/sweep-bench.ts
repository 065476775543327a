import { readdirSync, readFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { deployChaincode } from '../lifecycle/deploy';
import { apiName, readApiKeys, startApis } from '../local/apis';
import { PROJECT_ROOT, resolveNetwork } from '../local/context';
import {
  connectAs,
  sampleAssetInput,
  type ConnectOptions,
  type GatewaySession,
} from '../local/gateway-client';
import { LocalNetwork } from '../local/network';
import { runningPid } from '../local/processes';
import type { Row } from './network-bench';
import { KINDS, processKind, type Kind } from './process-kind';
import { percentile } from './stats';
import { newNativeSigner } from '@waybill/fabric-signer';

/** Options of {@link sweepBench}; each has an environment variable (see main.ts). */
export interface SweepBenchOptions {
  /** Base port of the bench network; its APIs listen on base+1000… */
  readonly basePort: number;
  /** Requests in flight, one run per level (e.g. 1, 16, 64, 256). */
  readonly levels: readonly number[];
  /** Seconds each evaluate run lasts (calls in flight then finish). */
  readonly evaluateSeconds: number;
  /** Seconds each submit run lasts. */
  readonly submitSeconds: number;
  /** Which calls to sweep (default both). */
  readonly calls?: readonly ('evaluate' | 'submit')[];
}

/** CPU seconds (user + system) a process has used so far, from /proc; undefined once it is gone. */
function cpuSeconds(pid: number): number | undefined {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return undefined;
  }
}

/** CPU seconds used so far by every process of the network, by kind, and by this process. */
export function cpuByKind(net: LocalNetwork): Record<Kind, number> {
  const out: Record<Kind, number> = { gateway: 0, peer: 0, orderer: 0, chaincode: 0, ca: 0, loadgen: 0 };
  for (const file of readdirSync(net.layout.runDir)) {
    if (!file.endsWith('.pid')) continue;
    const name = file.slice(0, -'.pid'.length);
    const kind = processKind(name);
    const pid = kind && runningPid(path.join(net.layout.runDir, file));
    if (!kind || pid === undefined) continue;
    out[kind] += cpuSeconds(pid) ?? 0;
  }
  const self = process.cpuUsage();
  out.loadgen = (self.user + self.system) / 1e6;
  return out;
}

/** CPU seconds used so far by one process of the network, by the name of its PID file (0 when gone). */
function cpuOf(net: LocalNetwork, name: string): number {
  const pid = runningPid(net.layout.pidFile(name));
  return pid === undefined ? 0 : (cpuSeconds(pid) ?? 0);
}

/** The gateway the REST calls go to: its CPU alone, and its idle rate (ms per second). */
interface Serving {
  readonly cpu: () => number;
  readonly idleRate: number;
}

/** What one run measured. */
export interface RunResult {
  readonly ok: number;
  readonly errors: Readonly<Record<string, number>>;
  readonly seconds: number;
  /** Seconds waited after the run for the network to be quiet (its CPU is counted). */
  readonly drained: number;
  /** Latencies (ms) of the successful calls, sorted. */
  readonly sorted: readonly number[];
  /** CPU milliseconds per successful call, by process kind. */
  readonly cpuMs: Readonly<Record<Kind, number>>;
  /** CPU milliseconds per successful call of the gateway the REST calls go to (one of the four). */
  readonly servingMs: number;
}

/** A short class for a failed call: the HTTP status, or the gRPC / error name. */
function errorClass(err: unknown): string {
  const e = err as { status?: number; code?: number | string; name?: string };
  if (typeof e.status === 'number') return `http ${e.status}`;
  if (e.code !== undefined) return `${e.name ?? 'error'} ${e.code}`;
  return e.name ?? 'error';
}

/** CPU ms per second each kind spends with nothing in flight (measured once the network is quiet). */
type IdleRate = Readonly<Record<Kind, number>>;

const DRAIN_STEP_MS = 500;
const DRAIN_MAX_MS = 60_000;

/** Total CPU ms per second of the network's processes (not the load generator) between two readings. */
function networkRate(a: Record<Kind, number>, b: Record<Kind, number>, ms: number): number {
  return KINDS.filter((k) => k !== 'loadgen').reduce((sum, k) => sum + (b[k] - a[k]) * 1000, 0) / (ms / 1000);
}

/**
 * Waits until the network is back to its idle CPU rate (the gateways' event readers and projectors
 * have caught up with the blocks the calls made), at most a minute; returns how long it waited.
 * Work a run leaves behind would otherwise be counted against the next run. Before the idle rate
 * is known, "quiet" is a rate that stopped falling.
 */
async function drain(net: LocalNetwork, idle: IdleRate | undefined): Promise<number> {
  const idleTotal = idle ? KINDS.filter((k) => k !== 'loadgen').reduce((sum, k) => sum + idle[k], 0) : undefined;
  const t0 = performance.now();
  let last = cpuByKind(net);
  let previous = Number.POSITIVE_INFINITY;
  while (performance.now() - t0 < DRAIN_MAX_MS) {
    await sleep(DRAIN_STEP_MS);
    const now = cpuByKind(net);
    const rate = networkRate(last, now, DRAIN_STEP_MS);
    last = now;
    // The /proc clock ticks at 10 ms: 40 ms per second is within its noise over half a second.
    if (idleTotal !== undefined ? rate <= idleTotal * 1.5 + 40 : rate >= previous * 0.8 - 40) break;
    previous = rate;
  }
  return performance.now() - t0;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Keeps `concurrency` calls in flight for `seconds` (or until `count` calls were started);
 * failures are counted by class, not fatal. CPU per call counts what the calls caused until the
 * network is quiet again (block processing and read-model projection that run behind), less what
 * the network spends idle over that drain time.
 */
async function run(
  net: LocalNetwork,
  limit: { readonly count?: number; readonly seconds?: number },
  concurrency: number,
  call: (i: number) => Promise<void>,
  idle?: IdleRate,
  serving?: Serving,
): Promise<RunResult> {
  const count = limit.count ?? Number.POSITIVE_INFINITY;
  const deadline = performance.now() + (limit.seconds ?? Number.POSITIVE_INFINITY) * 1000;
  const ms: number[] = [];
  const errors: Record<string, number> = {};
  let next = 0;
  const before = cpuByKind(net);
  const servingBefore = serving?.cpu() ?? 0;
  const t0 = performance.now();
  const worker = async (): Promise<void> => {
    while (next < count && performance.now() < deadline) {
      const i = next++;
      const s = performance.now();
      try {
        await call(i);
        ms.push(performance.now() - s);
      } catch (err) {
        const c = errorClass(err);
        errors[c] = (errors[c] ?? 0) + 1;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  if (ms.length === 0) throw new Error(`no call succeeded: ${JSON.stringify(errors)}`);
  const seconds = (performance.now() - t0) / 1000;
  const drained = idle ? (await drain(net, idle)) / 1000 : 0;
  const after = cpuByKind(net);
  const servingAfter = serving?.cpu() ?? 0;
  const per = Math.max(1, ms.length);
  const cpuMs = Object.fromEntries(
    KINDS.map((k) => [k, Math.max(0, (after[k] - before[k]) * 1000 - (idle?.[k] ?? 0) * drained) / per]),
  ) as Record<Kind, number>;
  const servingMs =
    Math.max(0, (servingAfter - servingBefore) * 1000 - (serving?.idleRate ?? 0) * drained) / per;
  return { ok: ms.length, errors, seconds, drained, sorted: ms.sort((a, b) => a - b), cpuMs, servingMs };
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    body: string,
  ) {
    super(`HTTP ${status}: ${body.slice(0, 200)}`);
    this.name = 'HttpError';
  }
}

/** A keep-alive HTTP client for one gateway API, authenticated with one API key. */
class RestClient {
  readonly #agent: http.Agent;

  constructor(
    readonly port: number,
    readonly key: string,
    sockets: number,
  ) {
    this.#agent = new http.Agent({ keepAlive: true, maxSockets: sockets });
  }

  request(method: string, urlPath: string, expected: number, body?: string): Promise<void> {
    const headers: http.OutgoingHttpHeaders = { 'x-api-key': this.key };
    if (body !== undefined) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = Buffer.byteLength(body);
    }
    return new Promise((resolve, reject) => {
      const req = http.request(
        { host: '127.0.0.1', port: this.port, method, path: urlPath, agent: this.#agent, headers },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            res.statusCode === expected
              ? resolve()
              : reject(new HttpError(res.statusCode ?? 0, Buffer.concat(chunks).toString('utf8'))),
          );
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  }

  close(): void {
    this.#agent.destroy();
  }
}

/** Runs `fn` with NODE_OPTIONS set to `value` (when given) for the processes it starts. */
async function withNodeOptions<T>(value: string | undefined, fn: () => Promise<T>): Promise<T> {
  const inherited = process.env['NODE_OPTIONS'];
  if (value) process.env['NODE_OPTIONS'] = value;
  try {
    return await fn();
  } finally {
    if (inherited === undefined) delete process.env['NODE_OPTIONS'];
    else process.env['NODE_OPTIONS'] = inherited;
  }
}

const ORG = 'Manufacturer';
const IDLE_SECONDS = 5;
const IDENTITY = 'manufacturer-user1';
const quiet = (): void => undefined;

/** The raw client signs as the gateway does (native ECDSA), so the ratio measures the REST layer. */
function nativeSigner(): ConnectOptions {
  return { messageSigner: newNativeSigner };
}

const f = (n: number, digits = 1): string => (Number.isFinite(n) ? n.toFixed(digits) : '—');
const lat = (s: readonly number[]): string =>
  `p50 ${f(percentile(s, 50))} p95 ${f(percentile(s, 95))} p99 ${f(percentile(s, 99))} ms`;
const cpu = (r: RunResult): string =>
  KINDS.filter((k) => k !== 'ca')
    .map((k) => `${k} ${f(r.cpuMs[k], 2)}`)
    .join(', ');
const total = (r: RunResult): number => KINDS.reduce((sum, k) => sum + r.cpuMs[k], 0);
/**
 * What the gateway spends per REST call beyond the raw client's own work: the gateways' background
 * work (block reading, projection) is in both runs, so the REST call's share is the difference,
 * set against what the raw client (the load generator) spends per call.
 */
const beyondRaw = (raw: RunResult, rest: RunResult): string => {
  const added = rest.cpuMs.gateway - raw.cpuMs.gateway;
  const alone = rest.servingMs - raw.servingMs;
  return (
    `${f(added, 2)} − ${f(raw.cpuMs.loadgen, 2)} = ${f(added - raw.cpuMs.loadgen, 2)} ms; ` +
    `serving gateway alone ${f(alone, 2)} − ${f(raw.cpuMs.loadgen, 2)} = ${f(alone - raw.cpuMs.loadgen, 2)} ms`
  );
};
const errs = (r: RunResult): string => {
  const e = Object.entries(r.errors);
  return e.length === 0 ? '' : `; errors ${e.map(([k, v]) => `${k}×${v}`).join(', ')}`;
};

/**
 * Throughput at each concurrency level for the raw @hyperledger/fabric-gateway client and the REST
 * API, evaluate (`getAsset`) and submit (`createAsset`, waiting for the commit), with latency
 * percentiles and the CPU time each kind of process spent per successful call (from /proc: stable
 * on a shared machine where wall-clock ratios are not). Raw and REST alternate at every level
 * (raw, REST for evaluate; REST, raw for submit) so a drift in the machine's load hits both.
 */
export async function sweepBench(options: Readonly<SweepBenchOptions>): Promise<Row[]> {
  const dir = path.join(PROJECT_ROOT, '.network', 'bench-sweep');
  const net = new LocalNetwork(resolveNetwork({ dir, basePort: options.basePort }), quiet);
  // The per-key rate limit would measure the limiter, not the gateway.
  process.env['WAYBILL_RATE_LIMIT_PER_SECOND'] = '0';
  await net.clean();
  const maxLevel = Math.max(...options.levels);
  let raw: GatewaySession | undefined;
  let rest: RestClient | undefined;
  try {
    await net.up();
    // For profiling: WAYBILL_BENCH_CHAINCODE_NODE_OPTIONS and WAYBILL_BENCH_API_NODE_OPTIONS (e.g.
    // `--cpu-prof --cpu-prof-dir=/tmp/prof`) reach the chaincode servers or the gateways only.
    await withNodeOptions(process.env['WAYBILL_BENCH_CHAINCODE_NODE_OPTIONS'], () =>
      deployChaincode(net, 'ccaas', quiet),
    );
    await withNodeOptions(process.env['WAYBILL_BENCH_API_NODE_OPTIONS'], () => startApis(net, quiet));
    const org = net.topology.peerOrgs.find((o) => o.name === ORG);
    const key = org && readApiKeys(net, org)[IDENTITY];
    if (!org?.apiPort || !key) throw new Error(`no gateway API or key for ${IDENTITY}`);
    raw = connectAs(net, ORG, IDENTITY, 0, nativeSigner());
    rest = new RestClient(org.apiPort, key, maxLevel);
    const r = raw;
    const h = rest;
    const tag = Date.now().toString(36);
    const target = `sweep-read-${tag}`;
    await r.contract.submitTransaction('createAsset', sampleAssetInput(target));
    let n = 0;
    const input = (): string => sampleAssetInput(`sweep-${tag}-${n++}`);
    const restInput = (): string => {
      const { personalDataRefs: _p, ...body } = JSON.parse(input()) as Record<string, unknown>;
      return JSON.stringify(body);
    };
    const calls = {
      evaluate: {
        raw: async (): Promise<void> => void (await r.contract.evaluateTransaction('getAsset', target)),
        rest: (): Promise<void> => h.request('GET', `/v1/assets/${target}`, 200),
      },
      submit: {
        raw: async (): Promise<void> => void (await r.contract.submitTransaction('createAsset', input())),
        rest: (): Promise<void> => h.request('POST', '/v1/assets', 201, restInput()),
      },
    };
    // Warm-up: connections, TLS sessions, JIT on every side.
    await run(net, { count: 200 }, 16, calls.evaluate.raw);
    await run(net, { count: 200 }, 16, calls.evaluate.rest);
    await run(net, { count: 40 }, 16, calls.submit.raw);
    await run(net, { count: 40 }, 16, calls.submit.rest);

    const rows: Row[] = [];
    // What the network spends with nothing in flight (gossip, Raft ticks, pollers), once the
    // warm-up's blocks are processed: a fixed cost per second that the per-call figures at low
    // levels carry divided among few calls, and that the drain after each run subtracts.
    await drain(net, undefined);
    const servingName = apiName(org);
    const idleBefore = cpuByKind(net);
    const servingIdleBefore = cpuOf(net, servingName);
    const idleT0 = performance.now();
    await sleep(IDLE_SECONDS * 1000);
    const idleAfter = cpuByKind(net);
    const servingIdleAfter = cpuOf(net, servingName);
    const idleSeconds = (performance.now() - idleT0) / 1000;
    const idle = Object.fromEntries(
      KINDS.map((k) => [k, k === 'loadgen' ? 0 : ((idleAfter[k] - idleBefore[k]) * 1000) / idleSeconds]),
    ) as Record<Kind, number>;
    const serving: Serving = {
      cpu: () => cpuOf(net, servingName),
      idleRate: ((servingIdleAfter - servingIdleBefore) * 1000) / idleSeconds,
    };
    rows.push({
      metric: `idle, nothing in flight (${IDLE_SECONDS} s): CPU ms per second`,
      value: KINDS.filter((k) => k !== 'ca' && k !== 'loadgen')
        .map((k) => `${k} ${f(idle[k])}`)
        .join(', '),
    });
    /** Each side's run with the highest throughput, per call kind: its saturation. */
    const best: Record<'evaluate' | 'submit', Partial<Record<'raw' | 'rest', { c: number; tps: number; r: RunResult }>>> =
      { evaluate: {}, submit: {} };
    const kinds = options.calls ?? (['evaluate', 'submit'] as const);
    for (const c of options.levels) {
      for (const kind of kinds) {
        const seconds = kind === 'evaluate' ? options.evaluateSeconds : options.submitSeconds;
        const order = kind === 'evaluate' ? (['raw', 'rest'] as const) : (['rest', 'raw'] as const);
        const results: Partial<Record<'raw' | 'rest', RunResult>> = {};
        for (const side of order) {
          process.stderr.write(`[bench] sweep ${kind} ${side} c=${c} for ${seconds}s…\n`);
          const res = await run(net, { seconds }, c, calls[kind][side], idle, serving);
          results[side] = res;
          const tps = res.ok / res.seconds;
          if (tps > (best[kind][side]?.tps ?? 0)) best[kind][side] = { c, tps, r: res };
          rows.push({
            metric: `${kind} ${side === 'raw' ? 'raw fabric-gateway' : 'REST'} c=${c} (n=${res.ok})`,
            value: `${f(tps)} /s; ${lat(res.sorted)}; CPU ms/call: ${cpu(res)} (drained ${f(res.drained)} s)${errs(res)}`,
          });
        }
        const a = results.raw;
        const b = results.rest;
        if (a && b)
          rows.push({
            metric: `${kind} c=${c}: REST/raw throughput; gateway CPU per REST call − raw client CPU per call`,
            value: `${f(b.ok / b.seconds / (a.ok / a.seconds), 2)}; ${beyondRaw(a, b)}`,
            // Below saturation both sides are latency-bound and the ratio is noise: the targets
            // apply at saturation (the summary rows).
            target: 'see saturation',
          });
      }
    }
    for (const kind of kinds) {
      const raw = best[kind].raw;
      const rest = best[kind].rest;
      if (!raw || !rest) continue;
      rows.push(
        {
          metric: `${kind} at saturation: throughput raw (c=${raw.c}) / REST (c=${rest.c})`,
          value: `${f(raw.tps)} /s (${lat(raw.r.sorted)}) / ${f(rest.tps)} /s (${lat(rest.r.sorted)})`,
        },
        {
          metric: `${kind} at saturation: REST/raw throughput`,
          value: f(rest.tps / raw.tps, 2),
          target: '≥ 0.95',
        },
        {
          metric: `${kind} at saturation: gateway CPU per REST call − raw client CPU per call`,
          value: beyondRaw(raw.r, rest.r),
          target: '≤ 0.5 ms',
        },
        {
          metric: `${kind} at saturation: CPU ms per call by process kind, raw → REST`,
          value: `${cpu(raw.r)} → ${cpu(rest.r)}; all ${f(total(raw.r), 2)} → ${f(total(rest.r), 2)}`,
        },
      );
    }
    return rows;
  } finally {
    raw?.close();
    rest?.close();
    await net.clean();
  }
}
