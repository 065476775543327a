import http from 'node:http';
import path from 'node:path';
import { deployChaincode } from '../lifecycle/deploy';
import { readApiKeys, startApis } from '../local/apis';
import { PROJECT_ROOT, resolveNetwork } from '../local/context';
import { connectAs, sampleAssetInput, type GatewaySession } from '../local/gateway-client';
import { LocalNetwork } from '../local/network';
import type { Row } from './network-bench';
import { percentile } from './stats';

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

/**
 * REST gateway against a raw @hyperledger/fabric-gateway client on the same network, with the
 * same identity, the same peer and the same concurrency: evaluate (`getAsset`) and submit
 * (`createAsset`, waiting for the commit). Each side runs twice in the order raw, REST, REST, raw,
 * so a drift in the machine's load during the run hits both alike.
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

    raw = connectAs(net, ORG, IDENTITY);
    rest = new RestClient(org.apiPort, key, concurrency);
    const r = raw;
    const h = rest;
    const run = `${Date.now().toString(36)}`;

    const target = `bench-read-${run}`;
    await r.contract.submitTransaction('createAsset', sampleAssetInput(target));
    // Warm-up: connections, TLS sessions, JIT on both sides.
    await measure(200, concurrency, () => h.request('GET', `/v1/assets/${target}`, 200));
    await measure(
      200,
      concurrency,
      async () => void (await r.contract.evaluateTransaction('getAsset', target)),
    );

    const evalRaw = () =>
      measure(
        evaluations,
        concurrency,
        async () => void (await r.contract.evaluateTransaction('getAsset', target)),
      );
    const evalRest = () =>
      measure(evaluations, concurrency, () => h.request('GET', `/v1/assets/${target}`, 200));
    const e1 = await evalRaw();
    const e2 = await evalRest();
    const e3 = await evalRest();
    const e4 = await evalRaw();

    let n = 0;
    const body = () => sampleAssetInput(`bench-${run}-${n++}`);
    // The same asset as the API's create body (the chaincode input without its empty lists).
    const restBody = () => {
      const { personalDataRefs: _p, ...input } = JSON.parse(body()) as Record<string, unknown>;
      return JSON.stringify(input);
    };
    const subRaw = () =>
      measure(
        submissions,
        concurrency,
        async () => void (await r.contract.submitTransaction('createAsset', body())),
      );
    const subRest = () =>
      measure(submissions, concurrency, () => h.request('POST', '/v1/assets', 201, restBody()));
    await measure(Math.min(50, submissions), concurrency, () =>
      h.request('POST', '/v1/assets', 201, restBody()),
    );
    const s1 = await subRaw();
    const s2 = await subRest();
    const s3 = await subRest();
    const s4 = await subRaw();

    const evaluateRaw = merge([e1, e4]);
    const evaluateRest = merge([e2, e3]);
    const submitRaw = merge([s1, s4]);
    const submitRest = merge([s2, s3]);
    const added = percentile(evaluateRest.sorted, 50) - percentile(evaluateRaw.sorted, 50);
    const c = `concurrency ${concurrency}`;
    return [
      {
        metric: `evaluate getAsset, raw fabric-gateway (${c}, n=${evaluateRaw.sorted.length})`,
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
      {
        metric: 'evaluate latency added by REST (p50 REST − p50 raw)',
        value: `${added.toFixed(2)} ms`,
        target: '≤ 2 ms',
      },
      {
        metric: `submit createAsset, raw fabric-gateway (${c}, n=${submitRaw.sorted.length})`,
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
      {
        metric: 'submit latency added by REST (p50 REST − p50 raw)',
        value: `${(percentile(submitRest.sorted, 50) - percentile(submitRaw.sorted, 50)).toFixed(1)} ms`,
      },
    ];
  } finally {
    raw?.close();
    rest?.close();
    await net.clean();
  }
}
