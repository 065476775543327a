import { readFileSync } from 'node:fs';
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
import { percentile } from './stats';
import { newNativeSigner } from '@waybill/fabric-signer';

/** Options of {@link apiBench}; each has an environment variable (see main.ts). */
export interface ApiBenchOptions {
  /** Base port of the bench network; its APIs listen on base+1000… */
  readonly basePort: number;
  /** Requests in flight at any time, for REST and raw alike. */
  readonly concurrency: number;
  /** Evaluations per run (each side runs twice). */
  readonly evaluations: number;
  /** Submissions per run (each side runs twice). */
  readonly submissions: number;
}

/** Latencies (ms) and wall-clock seconds of one measured run. */
interface Sample {
  readonly ms: number[];
  readonly seconds: number;
}

const quiet = (): void => undefined;

/**
 * The gateway API signs with Node's native ECDSA (@waybill/fabric-signer); the raw
 * baseline signs the same way by default, so the ratio measures the REST layer, not the signer.
 * `WAYBILL_BENCH_RAW_SIGNER=sdk` keeps the SDK's default JavaScript signer instead.
 */
function rawSigner(): { label: string; options: ConnectOptions } {
  if (process.env['WAYBILL_BENCH_RAW_SIGNER'] === 'sdk') return { label: 'SDK signer', options: {} };
  return { label: 'native signer', options: { messageSigner: newNativeSigner } };
}
const ORG = 'Manufacturer';
const IDENTITY = 'manufacturer-user1';

/** Runs `count` calls with `concurrency` in flight, timing each; any failure aborts the run. */
async function measure(
  count: number,
  concurrency: number,
  call: (i: number) => Promise<void>,
): Promise<Sample> {
  const ms: number[] = [];
  let next = 0;
  const t0 = performance.now();
  const worker = async (): Promise<void> => {
    while (next < count) {
      const i = next++;
      const s = performance.now();
      await call(i);
      ms.push(performance.now() - s);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { ms, seconds: (performance.now() - t0) / 1000 };
}

function merge(samples: readonly Sample[]): { sorted: number[]; tps: number } {
  const sorted = samples.flatMap((s) => s.ms).sort((a, b) => a - b);
  const seconds = samples.reduce((sum, s) => sum + s.seconds, 0);
  return { sorted, tps: sorted.length / seconds };
}

const fmt = (sorted: readonly number[]): string =>
  `p50 ${percentile(sorted, 50).toFixed(2)} ms, p95 ${percentile(sorted, 95).toFixed(2)} ms, p99 ${percentile(sorted, 99).toFixed(2)} ms`;

/** A keep-alive HTTP client for one gateway API, authenticated with one API key. */
class RestClient {
  readonly #agent: http.Agent;
  readonly #port: number;
  readonly #key: string;

  constructor(port: number, key: string, concurrency: number) {
    this.#agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
    this.#port = port;
    this.#key = key;
  }

  /** Sends a request; rejects unless the answer has `expected` status. */
  request(method: string, urlPath: string, expected: number, body?: string): Promise<void> {
    const headers: http.OutgoingHttpHeaders = { 'x-api-key': this.#key };
    if (body !== undefined) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = Buffer.byteLength(body);
    }
    return new Promise((resolve, reject) => {
      const req = http.request(
        { host: '127.0.0.1', port: this.#port, method, path: urlPath, agent: this.#agent, headers },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            if (res.statusCode === expected) resolve();
            else
              reject(
                new Error(
                  `${method} ${urlPath}: ${res.statusCode} ${Buffer.concat(chunks).toString('utf8')}`,
                ),
              );
          });
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

/** Sum and count of one Prometheus series (exact label string) from the gateway's /metrics. */
async function series(port: number, name: string, labels: string): Promise<{ sum: number; count: number }> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const value = (suffix: string): number => {
    const line = text.split('\n').find((l) => l.startsWith(`${name}_${suffix}{${labels}} `));
    return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(' ') + 1));
  };
  return { sum: value('sum'), count: value('count') };
}

/** Mean time (ms) a GET /v1/assets/{id} spent in the gateway outside its ledger call, over `fn`. */
async function inProcessOverhead(port: number, fn: () => Promise<unknown>): Promise<number> {
  const http = [
    'waybill_http_request_duration_seconds',
    'method="GET",route="/v1/assets/:assetId",status="200"',
  ] as const;
  const ledger = [
    'waybill_ledger_call_duration_seconds',
    'kind="evaluate",transaction="getAsset",outcome="ok"',
  ] as const;
  const [h0, l0] = await Promise.all([series(port, ...http), series(port, ...ledger)]);
  await fn();
  const [h1, l1] = await Promise.all([series(port, ...http), series(port, ...ledger)]);
  const requests = h1.count - h0.count;
  return ((h1.sum - h0.sum - (l1.sum - l0.sum)) * 1000) / requests;
}

/** CPU seconds used so far by a process (Linux `/proc`), or undefined elsewhere. */
function processCpuSeconds(pid: number): number | undefined {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    // utime and stime, in clock ticks (100 per second on Linux).
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return undefined;
  }
}

/** Runs `fn` and reports the CPU milliseconds per call it cost this process and the gateway's. */
async function withCpu(
  gatewayPid: number | undefined,
  calls: number,
  fn: () => Promise<Sample>,
): Promise<Sample & { clientCpuMs: number; gatewayCpuMs: number | undefined }> {
  const g0 = gatewayPid === undefined ? undefined : processCpuSeconds(gatewayPid);
  const c0 = process.cpuUsage();
  const sample = await fn();
  const c = process.cpuUsage(c0);
  const g1 = gatewayPid === undefined ? undefined : processCpuSeconds(gatewayPid);
  return {
    ...sample,
    clientCpuMs: (c.user + c.system) / 1000 / calls,
    gatewayCpuMs: g0 === undefined || g1 === undefined ? undefined : ((g1 - g0) * 1000) / calls,
  };
}

/**
 * REST gateway against a raw @hyperledger/fabric-gateway client on the same network, with the
 * same identity, the same peer and the same concurrency: evaluate (`getAsset`) and submit
 * (`createAsset`, waiting for the commit). Each side runs twice in the order raw, REST, REST, raw,
 * so a drift in the machine's load during the run hits both alike.
 *
 * Throughput is measured with `concurrency` requests in flight. Latency added by REST is measured
 * one request at a time: with many in flight on a saturated machine, latency is queueing
 * (concurrency ÷ throughput) and says nothing the throughput does not.
 */
export async function apiBench(options: Readonly<ApiBenchOptions>): Promise<Row[]> {
  const { basePort, concurrency, evaluations, submissions } = options;
  const dir = path.join(PROJECT_ROOT, '.network', 'bench-api');
  const net = new LocalNetwork(resolveNetwork({ dir, basePort }), quiet);
  // The per-key rate limit (500/s by default) would measure the limiter, not the gateway.
  process.env['WAYBILL_RATE_LIMIT_PER_SECOND'] = '0';
  await net.clean();
  let raw: GatewaySession | undefined;
  let rest: RestClient | undefined;
  try {
    await net.up();
    await deployChaincode(net, 'ccaas', quiet);
    const apis = await startApis(net, quiet);
    const org = net.topology.peerOrgs.find((o) => o.name === ORG);
    if (!org?.apiPort || !apis.some((a) => a.org === ORG)) throw new Error(`no gateway API for ${ORG}`);
    const key = readApiKeys(net, org)[IDENTITY];
    if (!key) throw new Error(`no API key for ${IDENTITY}`);
    const gatewayPid = runningPid(net.layout.pidFile(apiName(org)));

    const signer = rawSigner();
    raw = connectAs(net, ORG, IDENTITY, 0, signer.options);
    rest = new RestClient(org.apiPort, key, concurrency);
    const r = raw;
    const h = rest;
    const run = Date.now().toString(36);
    const target = `bench-read-${run}`;
    await r.contract.submitTransaction('createAsset', sampleAssetInput(target));

    const evalRaw = async (): Promise<void> =>
      void (await r.contract.evaluateTransaction('getAsset', target));
    const evalRest = (): Promise<void> => h.request('GET', `/v1/assets/${target}`, 200);
    let n = 0;
    const body = (): string => sampleAssetInput(`bench-${run}-${n++}`);
    // The same asset as the API's create body (the chaincode input without its empty lists).
    const restBody = (): string => {
      const { personalDataRefs: _p, ...input } = JSON.parse(body()) as Record<string, unknown>;
      return JSON.stringify(input);
    };
    const subRaw = async (): Promise<void> =>
      void (await r.contract.submitTransaction('createAsset', body()));
    const subRest = (): Promise<void> => h.request('POST', '/v1/assets', 201, restBody());

    // Warm-up: connections, TLS sessions, JIT on both sides.
    await measure(200, concurrency, evalRest);
    await measure(200, concurrency, evalRaw);
    await measure(Math.min(50, submissions), concurrency, subRest);
    await measure(Math.min(50, submissions), concurrency, subRaw);

    const single = Math.max(50, Math.round(evaluations / 8));
    const l1 = await measure(single, 1, evalRaw);
    let l2: Sample | undefined;
    let l3: Sample | undefined;
    const overhead = await inProcessOverhead(org.apiPort, async () => {
      l2 = await measure(single, 1, evalRest);
      l3 = await measure(single, 1, evalRest);
    });
    if (!l2 || !l3) throw new Error('REST latency runs did not complete');
    const l4 = await measure(single, 1, evalRaw);

    const e1 = await withCpu(gatewayPid, evaluations, () => measure(evaluations, concurrency, evalRaw));
    const e2 = await withCpu(gatewayPid, evaluations, () => measure(evaluations, concurrency, evalRest));
    const e3 = await withCpu(gatewayPid, evaluations, () => measure(evaluations, concurrency, evalRest));
    const e4 = await withCpu(gatewayPid, evaluations, () => measure(evaluations, concurrency, evalRaw));

    const s1 = await measure(submissions, concurrency, subRaw);
    const s2 = await measure(submissions, concurrency, subRest);
    const s3 = await measure(submissions, concurrency, subRest);
    const s4 = await measure(submissions, concurrency, subRaw);

    const latRaw = merge([l1, l4]);
    const latRest = merge([l2, l3]);
    const evaluateRaw = merge([e1, e4]);
    const evaluateRest = merge([e2, e3]);
    const submitRaw = merge([s1, s4]);
    const submitRest = merge([s2, s3]);
    const p50 = (sorted: readonly number[]): number => percentile(sorted, 50);
    const c = `concurrency ${concurrency}`;
    const cpu = (a: { clientCpuMs: number; gatewayCpuMs: number | undefined }, b: typeof a): string =>
      `bench process ${((a.clientCpuMs + b.clientCpuMs) / 2).toFixed(2)} ms` +
      (a.gatewayCpuMs === undefined || b.gatewayCpuMs === undefined
        ? ''
        : `, gateway process ${((a.gatewayCpuMs + b.gatewayCpuMs) / 2).toFixed(2)} ms`);
    return [
      {
        metric: `evaluate getAsset, raw fabric-gateway (${signer.label}), one at a time (n=${latRaw.sorted.length})`,
        value: fmt(latRaw.sorted),
      },
      {
        metric: `evaluate GET /v1/assets/{id}, REST, one at a time (n=${latRest.sorted.length})`,
        value: fmt(latRest.sorted),
      },
      {
        metric: 'evaluate latency added by REST (p50 REST − p50 raw, one at a time)',
        value: `${(p50(latRest.sorted) - p50(latRaw.sorted)).toFixed(2)} ms`,
        target: '≤ 2 ms',
      },
      {
        metric: 'of which inside the gateway, outside its ledger call (mean, from its /metrics)',
        value: `${overhead.toFixed(2)} ms`,
      },
      {
        metric: `evaluate getAsset, raw fabric-gateway (${signer.label}, ${c}, n=${evaluateRaw.sorted.length})`,
        value: `${evaluateRaw.tps.toFixed(0)} /s; ${fmt(evaluateRaw.sorted)}`,
      },
      {
        metric: `evaluate GET /v1/assets/{id}, REST (${c}, n=${evaluateRest.sorted.length})`,
        value: `${evaluateRest.tps.toFixed(0)} /s; ${fmt(evaluateRest.sorted)}`,
      },
      {
        metric: 'evaluate throughput REST / raw',
        value: (evaluateRest.tps / evaluateRaw.tps).toFixed(2),
        target: '≥ 0.90',
      },
      { metric: 'CPU per raw evaluate', value: cpu(e1, e4) },
      { metric: 'CPU per REST evaluate', value: cpu(e2, e3) },
      {
        metric: `submit createAsset, raw fabric-gateway (${signer.label}, ${c}, n=${submitRaw.sorted.length})`,
        value: `${submitRaw.tps.toFixed(1)} /s; ${fmt(submitRaw.sorted)}`,
      },
      {
        metric: `submit POST /v1/assets, REST (${c}, n=${submitRest.sorted.length})`,
        value: `${submitRest.tps.toFixed(1)} /s; ${fmt(submitRest.sorted)}`,
      },
      {
        metric: 'submit throughput REST / raw',
        value: (submitRest.tps / submitRaw.tps).toFixed(2),
        target: '≥ 0.90',
      },
    ];
  } finally {
    raw?.close();
    rest?.close();
    await net.clean();
  }
}
