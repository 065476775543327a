#!/usr/bin/env node
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { PROJECT_ROOT } from '../local/context';
import { runningPid } from '../local/processes';
import { processKind } from './process-kind';

const exec = promisify(execFile);
const CLI = path.join(PROJECT_ROOT, 'infra', 'dist', 'cli.js');

/** `npm run soak` settings, each from an environment variable. */
export interface SoakOptions {
  /** Logical writes to make (a create, or a handover proposed by one API and accepted by another). */
  readonly transactions: number;
  /** Writes in flight. */
  readonly concurrency: number;
  /** Seconds between two injected faults (0: none). */
  readonly faultEverySeconds: number;
  /** Seconds between two samples of throughput and memory. */
  readonly sampleSeconds: number;
  readonly basePort: number;
  readonly dir: string;
}

/** Reads the settings; a bad value is refused with one line. */
export function soakOptions(env: NodeJS.ProcessEnv): SoakOptions {
  const int = (name: string, fallback: number, min: number, max: number): number => {
    const raw = env[name];
    const v = raw === undefined || raw === '' ? fallback : Number(raw);
    if (!Number.isInteger(v) || v < min || v > max)
      throw new Error(`${name} must be an integer ${min}..${max}, got "${raw}"`);
    return v;
  };
  return {
    transactions: int('WAYBILL_SOAK_TX', 100_000, 1, 10_000_000),
    concurrency: int('WAYBILL_SOAK_CONCURRENCY', 32, 1, 1024),
    faultEverySeconds: int('WAYBILL_SOAK_FAULT_EVERY_S', 60, 0, 86_400),
    sampleSeconds: int('WAYBILL_SOAK_SAMPLE_S', 10, 1, 3600),
    basePort: int('WAYBILL_SOAK_BASE_PORT', 24000, 1024, 31000),
    dir: env['WAYBILL_SOAK_DIR'] ?? path.join(PROJECT_ROOT, '.network', 'soak'),
  };
}

interface Api {
  readonly url: string;
  readonly keys: Record<string, string>;
}

/** What an HTTP call answered. */
interface Answer {
  readonly status: number;
  readonly body: { retryable?: boolean; code?: string } & Record<string, unknown>;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 2048 });

function call(
  api: Api,
  as: string,
  method: string,
  urlPath: string,
  body?: unknown,
  idem?: string,
): Promise<Answer> {
  const text = body === undefined ? undefined : JSON.stringify(body);
  const url = new URL(urlPath, api.url);
  const headers: http.OutgoingHttpHeaders = { 'x-api-key': api.keys[as] ?? '' };
  if (text !== undefined) {
    headers['content-type'] = 'application/json';
    headers['content-length'] = Buffer.byteLength(text);
  }
  if (idem) headers['idempotency-key'] = idem;
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: url.hostname,
        port: url.port,
        method,
        path: url.pathname + url.search,
        agent,
        headers,
        timeout: 120_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const raw = Buffer.concat(chunks).toString('utf8');
          let parsed: Answer['body'] = {};
          try {
            parsed = raw ? (JSON.parse(raw) as Answer['body']) : {};
          } catch {
            parsed = {};
          }
          resolve({ status: res.statusCode ?? 0, body: parsed });
        });
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('client timeout')));
    req.on('error', reject);
    req.end(text);
  });
}

/** Counters of one soak. */
class Tally {
  readonly attemptErrors = new Map<string, number>();
  readonly finalErrors = new Map<string, number>();
  /** Asset ID → the status its last accepted (2xx) write says it must have. */
  readonly accepted = new Map<string, 'created' | 'handed'>();
  acceptedWrites = 0;
  add(map: Map<string, number>, key: string): void {
    map.set(key, (map.get(key) ?? 0) + 1);
  }
}

/**
 * One logical write, retried with the same Idempotency-Key while the answer says it may be
 * (5xx, 409 retryable, a connection that broke): a fault may leave its outcome unknown, and the
 * same key must then answer from the first execution, never execute twice.
 */
async function write(
  tally: Tally,
  api: Api,
  as: string,
  urlPath: string,
  body: unknown,
  idem: string,
  okStatus: number[],
): Promise<boolean> {
  const deadline = Date.now() + 180_000;
  for (let attempt = 0; ; attempt++) {
    let cls: string;
    try {
      const a = await call(api, as, 'POST', urlPath, body, idem);
      if (okStatus.includes(a.status)) {
        tally.acceptedWrites++;
        return true;
      }
      cls = `${a.status} ${a.body.code ?? ''}`.trim();
      const retry = a.status >= 500 || a.status === 429 || (a.status === 409 && a.body.retryable === true);
      tally.add(tally.attemptErrors, cls);
      if (!retry) {
        tally.add(tally.finalErrors, cls);
        return false;
      }
    } catch (err) {
      cls = `transport ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`;
      tally.add(tally.attemptErrors, cls);
    }
    if (Date.now() > deadline) {
      tally.add(tally.finalErrors, `gave up: ${cls}`);
      return false;
    }
    await sleep(Math.min(5000, 200 * 2 ** Math.min(attempt, 5)));
  }
}

/** Resident memory (MiB) and CPU seconds of every process of the network, by PID-file name. */
function processes(runDir: string): Map<string, { rssMiB: number; cpuS: number }> {
  const out = new Map<string, { rssMiB: number; cpuS: number }>();
  for (const file of readdirSync(runDir)) {
    if (!file.endsWith('.pid')) continue;
    const pid = runningPid(path.join(runDir, file));
    if (pid === undefined) continue;
    try {
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      const rss = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
      out.set(file.slice(0, -4), { rssMiB: rss, cpuS: (Number(stat[11]) + Number(stat[12])) / 100 });
    } catch {
      // the process ended between the listing and the read
    }
  }
  return out;
}

/**
 * The faults, in the order they are injected; each heals through `stack up`. Each organisation
 * runs its own chaincode server; the manufacturer's is the one killed.
 */
const FAULTS = [
  'chaincode.manufacturer',
  'api.carrier',
  'orderer1',
  'api.manufacturer',
  'peer0.retailer',
] as const;

/**
 * `npm run soak`: a stack of its own, `transactions` logical writes through the gateway APIs at a
 * fixed concurrency while a process is SIGKILLed every `faultEverySeconds` and brought back, then
 * the accounting: every write a client saw accepted is on the ledger with the state it implies,
 * every event reached every webhook subscriber (after de-duplication by `Waybill-Event-Id`), the
 * read models reconcile with the ledger; with errors by class, throughput and each process's
 * memory over time. Exits 1 when anything was lost.
 */
export async function soak(o: SoakOptions, out: (line: string) => void): Promise<boolean> {
  const flags = ['--dir', o.dir, '--base-port', String(o.basePort)];
  const cli = (...args: string[]): Promise<unknown> =>
    exec(process.execPath, [CLI, ...args, ...flags], { timeout: 1_800_000 });
  await cli('network', 'clean');
  await cli('stack', 'up', '--mode', 'ccaas');
  const runDir = path.join(o.dir, 'run');
  const apis = Object.fromEntries(
    ['manufacturer', 'carrier', 'retailer'].map((k) => [
      k,
      JSON.parse(readFileSync(path.join(o.dir, 'gateway', `${k}-api-keys.json`), 'utf8')) as Api,
    ]),
  ) as Record<'manufacturer' | 'carrier' | 'retailer', Api>;

  // One webhook subscriber per gateway, counting deliveries per event ID.
  const deliveries = new Map<string, Map<string, number>>();
  const receiver = http.createServer((req, res) => {
    const sub = req.url?.slice(1) ?? '';
    const id = String(req.headers['waybill-event-id'] ?? '');
    req.resume();
    req.on('end', () => {
      const seen = deliveries.get(sub) ?? new Map<string, number>();
      seen.set(id, (seen.get(id) ?? 0) + 1);
      deliveries.set(sub, seen);
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const port = (receiver.address() as { port: number }).port;
  for (const [org, api] of Object.entries(apis)) {
    const admin = Object.keys(api.keys).find((k) => k.includes('admin'));
    const r = await call(api, admin ?? '', 'POST', '/v1/webhooks', {
      url: `http://127.0.0.1:${port}/${org}`,
    });
    if (r.status !== 201)
      throw new Error(`subscribing on ${org} failed: ${r.status} ${JSON.stringify(r.body)}`);
  }

  const tally = new Tally();
  const tag = Date.now().toString(36);
  let next = 0;
  let done = false;
  const t0 = Date.now();
  const samples: { t: number; writes: number; procs: Map<string, { rssMiB: number; cpuS: number }> }[] = [];
  const sampler = (async (): Promise<void> => {
    while (!done) {
      samples.push({ t: (Date.now() - t0) / 1000, writes: tally.acceptedWrites, procs: processes(runDir) });
      await sleep(o.sampleSeconds * 1000);
    }
  })();
  const faults: string[] = [];
  const injector = (async (): Promise<void> => {
    if (o.faultEverySeconds === 0) return;
    for (let i = 0; !done; i++) {
      await sleep(o.faultEverySeconds * 1000);
      if (done) return;
      const victim = FAULTS[i % FAULTS.length] as string;
      const pid = runningPid(path.join(runDir, `${victim}.pid`));
      if (pid === undefined) continue;
      process.kill(pid, 'SIGKILL');
      faults.push(`${((Date.now() - t0) / 1000).toFixed(0)}s SIGKILL ${victim}`);
      await sleep(5000);
      await cli('stack', 'up', '--mode', 'ccaas');
    }
  })();

  const m = 'manufacturer-user1';
  const handable: string[] = [];
  const worker = async (): Promise<void> => {
    while (next < o.transactions) {
      const i = next++;
      const id = `soak-${tag}-${i}`;
      // One write in five is a handover of an earlier lot: proposed by the manufacturer, accepted
      // by the carrier through its own API, so every API and every organisation's peer is exercised.
      const lot = i % 5 === 4 ? handable.shift() : undefined;
      if (lot !== undefined) {
        const proposed = await write(
          tally,
          apis.manufacturer,
          m,
          `/v1/assets/${lot}/handover`,
          { toOrg: 'CarrierMSP' },
          `${id}-p`,
          [200],
        );
        if (
          proposed &&
          (await write(
            tally,
            apis.carrier,
            'carrier-user1',
            `/v1/assets/${lot}/handover/accept`,
            {},
            `${id}-a`,
            [200],
          ))
        )
          tally.accepted.set(lot, 'handed');
        continue;
      }
      const body = {
        id,
        product: { sku: 'SKU-SOAK', description: 'Soak test lot' },
        quantity: { amount: 10, unit: 'case' },
        origin: { site: 'Plant 7', country: 'IT' },
      };
      if (await write(tally, apis.manufacturer, m, '/v1/assets', body, id, [201])) {
        tally.accepted.set(id, 'created');
        handable.push(id);
      }
    }
  };
  await Promise.all(Array.from({ length: o.concurrency }, worker));
  const seconds = (Date.now() - t0) / 1000;
  done = true;
  await injector;
  await sampler;
  // Heal whatever the last fault left down, then let the event readers catch up.
  await cli('stack', 'up', '--mode', 'ccaas');

  // Accounting: every accepted write is on the ledger with the state it implies.
  let lost = 0;
  const ids = [...tally.accepted.entries()];
  let k = 0;
  const check = async (): Promise<void> => {
    while (k < ids.length) {
      const [id, want] = ids[k++] as [string, 'created' | 'handed'];
      const a = await call(apis.retailer, 'retailer-user1', 'GET', `/v1/assets/${id}`);
      const custodian = (a.body as { custodian?: string }).custodian;
      if (a.status !== 200 || (want === 'handed' ? custodian !== 'CarrierMSP' : custodian === undefined)) {
        lost++;
        if (lost <= 5) out(`LOST ${id}: ${a.status} custodian ${custodian ?? '—'} (client saw it ${want})`);
      }
    }
  };
  await Promise.all(Array.from({ length: 16 }, check));

  // Events: each subscriber sees the same set of event IDs; the manufacturer's events for the
  // accepted writes must all be there. Wait until the counts stop moving.
  let last = -1;
  for (let i = 0; i < 120; i++) {
    const total = [...deliveries.values()].reduce((s, d) => s + d.size, 0);
    if (total === last) break;
    last = total;
    await sleep(5000);
  }
  const sets = [...deliveries.entries()];
  const union = new Set(sets.flatMap(([, d]) => [...d.keys()]));
  const missing = sets.map(([org, d]) => [org, [...union].filter((id) => !d.has(id)).length] as const);
  const duplicates = sets.map(([org, d]) => [org, [...d.values()].filter((n) => n > 1).length] as const);
  const createdEvents = [...union].filter((id) => id.endsWith(':AssetCreated')).length;
  const handed = [...tally.accepted.values()].filter((v) => v === 'handed').length;

  const reconcile: string[] = [];
  for (const [org, api] of Object.entries(apis)) {
    const admin = Object.keys(api.keys).find((kk) => kk.includes('admin')) ?? '';
    const r = await call(api, admin, 'GET', '/v1/read-model/reconcile');
    const diff = (r.body as { differences?: unknown[] }).differences;
    reconcile.push(
      `${org} ${r.status === 200 ? `${diff?.length ?? '?'} difference(s)` : `HTTP ${r.status}`}`,
    );
  }
  receiver.close();
  agent.destroy();

  out(
    `HTTP writes accepted (2xx): ${tally.acceptedWrites} for ${o.transactions} operations (a handover is two writes) in ${seconds.toFixed(0)} s = ${(tally.acceptedWrites / seconds).toFixed(1)} /s at concurrency ${o.concurrency}`,
  );
  out(`lost (accepted but not on the ledger as accepted): ${lost}`);
  out(
    `events: ${union.size} distinct (${createdEvents} AssetCreated for ${tally.accepted.size} accepted assets, ${handed} of them handed to the carrier); missing per subscriber: ${missing.map(([s, n]) => `${s} ${n}`).join(', ')}; delivered more than once (de-duplicated by ID): ${duplicates.map(([s, n]) => `${s} ${n}`).join(', ')}`,
  );
  out(`read models: ${reconcile.join('; ')}`);
  out(`faults: ${faults.length === 0 ? 'none' : faults.join('; ')}`);
  out(
    `errors by class, per attempt (retried with the same Idempotency-Key): ${[...tally.attemptErrors].map(([c, n]) => `${c} ×${n}`).join(', ') || 'none'}`,
  );
  out(
    `errors by class, final (write given up or refused): ${[...tally.finalErrors].map(([c, n]) => `${c} ×${n}`).join(', ') || 'none'}`,
  );
  out('time s | writes/s in the interval | RSS MiB per process');
  for (let i = 1; i < samples.length; i++) {
    const a = samples[i - 1] as (typeof samples)[number];
    const b = samples[i] as (typeof samples)[number];
    const rate = (b.writes - a.writes) / (b.t - a.t);
    const rss = [...b.procs.entries()]
      .filter(([name]) => processKind(name) !== 'ca')
      .map(([name, p]) => `${name} ${p.rssMiB.toFixed(0)}`)
      .join(', ');
    out(`${b.t.toFixed(0)} | ${rate.toFixed(1)} | ${rss}`);
  }
  await cli('stack', 'down');
  return lost === 0 && missing.every(([, n]) => n === 0) && tally.accepted.size > 0;
}

if (require.main === module) {
  let options: SoakOptions;
  try {
    options = soakOptions(process.env);
  } catch (err) {
    process.stderr.write(`soak: ${(err as Error).message}\n`);
    process.exit(2);
  }
  soak(options, (line) => process.stdout.write(`${line}\n`)).then(
    (ok) => {
      process.exitCode = ok ? 0 : 1;
    },
    (err: unknown) => {
      process.stderr.write(`soak failed: ${(err as Error).stack ?? String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
