import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { EventBridgeClient, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { HTTP } from 'cloudevents';
import { Kafka, logLevel } from 'kafkajs';
import { DiscardPolicy, connect as natsConnect } from 'nats';
import { Webhook } from 'standardwebhooks';
import { parse as parseYaml, stringify as toYaml } from 'yaml';
import { call, orgApi } from '../support/api';
import { type Broker, listening, startKafka, startNats } from '../support/brokers';
import { env, gatewayEnv, uniqueId } from '../support/fabric';
import { type MotoServer, startMoto } from '../support/moto';

const run = promisify(execFile);

/**
 * Integrations on the real network: a carrier gateway of its own (own database, started here) with
 * every sink (Kafka, NATS JetStream, EventBridge on moto routed to SQS), CloudEvents webhooks in
 * both HTTP modes signed with both schemes, and the carrier's example function. A journey's events
 * must reach each exactly once after de-duplication by ID, in per-asset order, across a broker
 * outage and a gateway SIGKILL; the function accepts a trusted shipper's handover, ignores another's,
 * and a crash during its invocation does not accept twice.
 */

const TOPIC = 'waybill.events';
const STREAM = 'WAYBILL';
/** A stream that keeps one message per subject and refuses the next: the source of dead letters. */
const LIMITED = 'LIMITED';
const ACCESS_KEY = 'AKIAWBT0123456789012';
const port = Number(env.basePort) + 1099;
const exampleDir = path.join(env.root, 'examples', 'functions', 'accept-trusted-handovers');

async function until(what: string, check: () => Promise<boolean> | boolean, ms = 90_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function ok<T = unknown>(
  org: string,
  method: string,
  urlPath: string,
  as: string,
  body?: unknown,
): Promise<T> {
  const r = await call<T>(org, method, urlPath, { as, ...(body === undefined ? {} : { body }) });
  if (r.status >= 300)
    throw new Error(`${method} ${urlPath} as ${as} on ${org}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

/** A CloudEvent as a sink or receiver got it. */
interface Ce {
  readonly id: string;
  readonly type: string;
  readonly subject?: string;
  readonly source: string;
  readonly time: string;
  readonly blocknumber: number | string;
  readonly txid: string;
  readonly data: Record<string, unknown>;
}

/** Received CloudEvents of some assets: first occurrence per ID, then grouped per asset in arrival order. */
function perAsset(received: readonly Ce[], assets: readonly string[]): Map<string, string[]> {
  const seen = new Set<string>();
  const out = new Map<string, string[]>(assets.map((a) => [a, []]));
  for (const ce of received) {
    if (seen.has(ce.id) || ce.subject === undefined || !out.has(ce.subject)) continue;
    seen.add(ce.id);
    out.get(ce.subject)?.push(ce.id);
  }
  return out;
}

/** A webhook receiver that keeps each request's raw headers and body. */
class RawReceiver {
  readonly requests: { path: string; headers: Record<string, string>; body: string }[] = [];
  readonly #server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers[k] = v;
      this.requests.push({ path: req.url ?? '', headers, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(204).end();
    });
  });
  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
  }
  url(p: string): string {
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}${p}`;
  }
  async stop(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}

/** docs/events.md's check of `Waybill-Signature`, as a receiver writes it. */
function waybillSignatureValid(secret: string, header: string | undefined, body: string): boolean {
  const parts = Object.fromEntries((header ?? '').split(',').map((p) => p.split('=', 2) as [string, string]));
  const t = parts['t'];
  const v1 = parts['v1'];
  if (!t || !v1 || Math.abs(Date.now() / 1000 - Number(t)) > 300) return false;
  const expected = createHmac('sha256', secret).update(`${t}.${body}`).digest();
  const given = Buffer.from(v1, 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** The integrations gateway: the carrier's, with its own SQLite database, sinks and functions. */
class IntegrationsGateway {
  readonly url = `http://127.0.0.1:${port}`;
  adminKey = '';
  #child: ChildProcess | undefined;
  #exited: Promise<void> = Promise.resolve();
  constructor(
    readonly env: NodeJS.ProcessEnv,
    readonly log: string,
  ) {}

  async createAdminKey(): Promise<void> {
    const { stdout } = await run(
      process.execPath,
      [
        path.join(env.root, 'gateway-api', 'dist', 'admin.js'),
        'keys',
        'create',
        '--identity',
        'carrier-admin1',
        '--name',
        'integrations-e2e',
        '--json',
      ],
      { env: this.env, timeout: 60_000 },
    );
    this.adminKey = (JSON.parse(stdout) as { key: string }).key;
  }

  async start(): Promise<void> {
    if (await listening(port)) throw new Error(`port ${port} for the integrations gateway is in use`);
    const out = openSync(this.log, 'a');
    const child = spawn(process.execPath, [path.join(env.root, 'gateway-api', 'dist', 'main.js')], {
      env: this.env,
      stdio: ['ignore', out, out],
    });
    this.#child = child;
    this.#exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    await until(
      'the integrations gateway to answer',
      async () => {
        if (child.exitCode !== null)
          throw new Error(
            `the integrations gateway exited; see ${this.log}:\n${readFileSync(this.log, 'utf8').slice(-3000)}`,
          );
        return (await this.get('/health/ready').catch(() => ({ status: 0 }))).status === 200;
      },
      90_000,
    );
  }

  async kill(): Promise<void> {
    this.#child?.kill('SIGKILL');
    await this.#exited;
  }

  async stop(): Promise<void> {
    this.#child?.kill('SIGTERM');
    const forced = setTimeout(() => this.#child?.kill('SIGKILL'), 15_000);
    await this.#exited;
    clearTimeout(forced);
  }

  async get<T = unknown>(p: string): Promise<{ status: number; body: T }> {
    const res = await fetch(`${this.url}${p}`, { headers: { 'x-api-key': this.adminKey } });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : null) as T };
  }

  async post<T = unknown>(
    p: string,
    body?: unknown,
  ): Promise<{ status: number; body: T; contentType: string }> {
    const res = await fetch(`${this.url}${p}`, {
      method: 'POST',
      headers: {
        'x-api-key': this.adminKey,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return {
      status: res.status,
      body: (await res.json()) as T,
      contentType: res.headers.get('content-type') ?? '',
    };
  }
}

describe('serverless and event-driven integrations on the real network', () => {
  const work = mkdtempSync(path.join(os.tmpdir(), 'waybill-integrations-'));
  const receiver = new RawReceiver();
  let nats: Broker | undefined;
  let kafka: Broker | undefined;
  let moto: MotoServer | undefined;
  let gateway: IntegrationsGateway | undefined;
  let queueUrl = '';
  let sqs: SQSClient | undefined;
  const secrets = new Map<string, string>();
  let functionKey = '';
  // Journey assets: J1 and J2 shipped by a trusted shipper; J3 for the crash.
  const j1 = uniqueId('it-j1');
  const j2 = uniqueId('it-j2');
  const j3 = uniqueId('it-j3');
  const assets = [j1, j2, j3];
  /** Event IDs of the journey, per asset, in ledger order (from the transactions we submit). */
  const expected = new Map<string, string[]>(assets.map((a) => [a, []]));
  const aws = {
    region: 'us-east-1',
    credentials: { accessKeyId: ACCESS_KEY, secretAccessKey: 'moto-test-secret' },
  };

  beforeAll(async () => {
    [nats, kafka, moto] = await Promise.all([startNats(), startKafka(), startMoto()]);
    await receiver.start();

    // EventBridge (moto): a rule on Waybill's source routed to an SQS queue the test reads.
    sqs = new SQSClient({ ...aws, endpoint: moto.url });
    const eb = new EventBridgeClient({ ...aws, endpoint: moto.url });
    queueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: 'waybill-events' }))).QueueUrl ?? '';
    const arn = (
      await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }))
    ).Attributes?.QueueArn;
    expect(arn).toMatch(/^arn:aws:sqs:/);
    await eb.send(
      new PutRuleCommand({
        Name: 'waybill-to-sqs',
        EventPattern: JSON.stringify({ source: ['io.waybill'] }),
      }),
    );
    await eb.send(new PutTargetsCommand({ Rule: 'waybill-to-sqs', Targets: [{ Id: 'queue', Arn: arn }] }));

    // Functions: the example as shipped, bound to this run's trusted assets, and a wrapper that
    // crashes once per event after acting, bound to J3.
    const example = parseYaml(readFileSync(path.join(exampleDir, 'function.yaml'), 'utf8')) as Record<
      string,
      unknown
    >;
    const exampleBinding = path.join(work, 'accept.yaml');
    writeFileSync(
      exampleBinding,
      toYaml({ ...example, code: exampleDir, filters: { ...(example.filters as object), assets: [j1, j2] } }),
    );
    const crashBinding = path.join(work, 'crash.json');
    const markers = mkdtempSync(path.join(work, 'markers-'));
    writeFileSync(
      crashBinding,
      JSON.stringify({
        name: 'crash-once',
        code: path.join(env.root, 'test', 'support', 'functions', 'crash-once'),
        handler: 'index.handler',
        filters: { types: ['io.waybill.handover.proposed'], assets: [j3] },
        timeoutSeconds: 20,
        retries: 3,
        apiKeyEnv: 'WAYBILL_FN_ACCEPT_KEY',
        environment: {
          ...(example.environment as Record<string, string>),
          EXAMPLE_MODULE: path.join(exampleDir, 'index.js'),
          MARKER_DIR: markers,
        },
      }),
    );

    // A marker transaction gives the block the new gateway starts reading at.
    const marker = uniqueId('it-marker');
    const created = await ok<{ txId: string }>('manufacturer', 'POST', '/v1/assets', 'manufacturer-user1', {
      id: marker,
      product: { sku: 'SKU-MARK', description: 'Integrations marker' },
      quantity: { amount: 1, unit: 'case' },
      origin: { site: 'Plant 1', country: 'DE' },
    });
    const status = await ok<{ blockNumber: number }>(
      'manufacturer',
      'GET',
      `/v1/transactions/${created.txId}`,
      'manufacturer-user1',
    );
    const carrier = orgApi('carrier');
    // The limited stream exists before the gateway (which would otherwise create it without limits).
    const admin = await natsConnect({ servers: [nats.address] });
    try {
      await (
        await admin.jetstreamManager()
      ).streams.add({
        name: LIMITED,
        subjects: ['limited.>'],
        max_msgs_per_subject: 1,
        discard: DiscardPolicy.New,
        discard_new_per_subject: true,
        duplicate_window: 10 * 60 * 1e9,
      });
    } finally {
      await admin.close();
    }
    // The functions' API key reaches the gateway as a secret file, not in a variable or a binding.
    functionKey = carrier.keys['carrier-user1'] ?? '';
    const keyFile = path.join(work, 'fn-accept.key');
    writeFileSync(keyFile, `${functionKey}\n`, { mode: 0o600 });
    const sinks = [
      { name: 'kafka', kind: 'kafka', brokers: [kafka.address], topic: TOPIC },
      {
        name: 'nats',
        kind: 'nats',
        servers: [`nats://${nats.address}`],
        stream: STREAM,
        subjectPrefix: 'waybill',
      },
      { name: 'eventbridge', kind: 'eventbridge', region: 'us-east-1', endpoint: moto.url },
      {
        name: 'nats-limited',
        kind: 'nats',
        servers: [`nats://${nats.address}`],
        stream: LIMITED,
        subjectPrefix: 'limited',
      },
    ];
    const gwEnv: NodeJS.ProcessEnv = {
      ...gatewayEnv('carrier'),
      PORT: String(port),
      DATABASE_URL: path.join(work, 'gateway.sqlite'),
      WAYBILL_EVENTS_START_BLOCK: String(status.blockNumber),
      WAYBILL_EVENTS_NETWORK: 'e2e',
      WAYBILL_SINKS: JSON.stringify(sinks),
      WAYBILL_SINK_RETRY_BASE_MS: '100',
      WAYBILL_SINK_RETRY_MAX_MS: '1000',
      WAYBILL_SINK_MAX_ATTEMPTS: '3',
      WAYBILL_FUNCTIONS: `${exampleBinding},${crashBinding}`,
      WAYBILL_FUNCTIONS_API_URL: carrier.url,
      WAYBILL_FN_ACCEPT_KEY_FILE: keyFile,
      WAYBILL_LOG_LEVEL: 'warn',
      AWS_ACCESS_KEY_ID: ACCESS_KEY,
      AWS_SECRET_ACCESS_KEY: 'moto-test-secret',
      AWS_REGION: 'us-east-1',
      AWS_CONFIG_FILE: '/dev/null',
      AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    };
    gateway = new IntegrationsGateway(gwEnv, path.join(work, 'gateway.log'));
    await gateway.createAdminKey();
    await gateway.start();
    // Every sink and function has its durable position before the journey starts.
    await until('sinks and functions at their position', async () => {
      const s = await gateway!.get<{ items: { position: number | null }[] }>('/v1/sinks');
      const f = await gateway!.get<{ items: { position: number | null }[] }>('/v1/functions');
      return (
        s.status === 200 &&
        f.status === 200 &&
        [...s.body.items, ...f.body.items].every((i) => i.position !== null)
      );
    });
    for (const [p, format] of [
      ['/structured', 'cloudevents-structured'],
      ['/binary', 'cloudevents-binary'],
    ] as const) {
      const r = await gateway.post<{ secret: string }>('/v1/webhooks', {
        url: receiver.url(p),
        format,
        signatures: ['waybill', 'standard'],
      });
      expect(r.status).toBe(201);
      expect(r.body.secret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
      secrets.set(p, r.body.secret);
    }
  }, 600_000);

  afterAll(async () => {
    await gateway?.stop();
    await Promise.all([nats?.stop(), kafka?.stop(), moto?.stop(), receiver.stop()]);
    rmSync(work, { recursive: true, force: true });
  }, 120_000);

  /** Submits through the org's own gateway and records the event it emits for `asset`. */
  async function step(
    org: string,
    as: string,
    method: string,
    urlPath: string,
    asset: string,
    name: string,
    body?: unknown,
  ): Promise<void> {
    const r = await ok<{ txId: string }>(org, method, urlPath, as, body);
    expected.get(asset)?.push(`${r.txId}:${name}`);
  }

  function create(asset: string): Promise<void> {
    return step('manufacturer', 'manufacturer-user1', 'POST', '/v1/assets', asset, 'AssetCreated', {
      id: asset,
      product: { sku: 'SKU-INTEG', description: `Integrations ${asset}` },
      quantity: { amount: 10, unit: 'case' },
      origin: { site: 'Plant 3', country: 'NL' },
    });
  }

  /**
   * Waits for the function to accept an asset's pending handover (its invocation for the proposal
   * is done and says so) and records the acceptance's event as expected. That the ledger holds
   * exactly one acceptance is checked on every sink: a second would show there.
   */
  async function acceptedByFunction(asset: string, fn = 'accept-trusted-handovers'): Promise<void> {
    const proposal = expected.get(asset)?.at(-1);
    let txId: unknown;
    await until(`the function ${fn} to accept ${asset}`, async () => {
      const inv = await gateway!.get<{
        items: { eventId: string; state: string; result: { action?: string; txId?: string } | null }[];
      }>(`/v1/functions/${fn}/invocations`);
      const done = inv.body.items.find((i) => i.eventId === proposal && i.state === 'done');
      txId = done?.result?.txId;
      return done !== undefined;
    });
    expect(txId).toEqual(expect.stringMatching(/^[0-9a-f]{64}$/));
    expected.get(asset)?.push(`${String(txId)}:HandoverAccepted`);
    const a = await ok<{ custodian: string }>('carrier', 'GET', `/v1/assets/${asset}`, 'carrier-user1');
    expect(a.custodian).toBe('CarrierMSP');
  }

  it('runs a journey through every sink, webhook mode and the carrier function, across a broker outage and a gateway kill', async () => {
    const gw = gateway!;
    // J1: the trusted shipper hands over to the carrier; the function accepts.
    await create(j1);
    await step(
      'manufacturer',
      'manufacturer-user1',
      'POST',
      `/v1/assets/${j1}/handover`,
      j1,
      'HandoverProposed',
      { toOrg: 'CarrierMSP' },
    );
    await acceptedByFunction(j1);

    // NATS goes down (SIGKILL) while J2's events commit; the other sinks and webhooks go on.
    await nats!.kill();
    await create(j2);
    await step(
      'manufacturer',
      'manufacturer-user1',
      'POST',
      `/v1/assets/${j2}/handover`,
      j2,
      'HandoverProposed',
      { toOrg: 'CarrierMSP' },
    );
    await acceptedByFunction(j2);
    await until('the NATS sink to report its outage', async () => {
      const s = await gw.get<{ state: string; backlog: number; lastError: string | null }>('/v1/sinks/nats');
      return s.body.state === 'retrying' && s.body.lastError !== null;
    });
    const metrics = await (await fetch(`${gw.url}/metrics`)).text();
    expect(metrics).toMatch(/waybill_sink_up\{sink="nats"\} 0/);
    expect(metrics).toMatch(/waybill_sink_backlog_events\{sink="nats"\} [1-9]/);
    expect(metrics).toMatch(/waybill_sink_lag_seconds\{sink="nats"\} /);
    expect(metrics).toMatch(/waybill_sink_up\{sink="kafka"\} 1/);
    await nats!.start();

    // The gateway is SIGKILLed; J1 moves on while it is down; it restarts from its own positions.
    await step('carrier', 'carrier-user1', 'POST', `/v1/assets/${j1}/handover`, j1, 'HandoverProposed', {
      toOrg: 'RetailerMSP',
    });
    await gw.kill();
    await step(
      'retailer',
      'retailer-user1',
      'POST',
      `/v1/assets/${j1}/handover/accept`,
      j1,
      'HandoverAccepted',
    );
    // Another shipper (the retailer, not trusted) hands back to the carrier: the function ignores it.
    await step('retailer', 'retailer-user1', 'POST', `/v1/assets/${j1}/handover`, j1, 'HandoverProposed', {
      toOrg: 'CarrierMSP',
    });
    await gw.start();

    // J3: the function crashes right after accepting; its retry must not accept twice.
    await create(j3);
    await step(
      'manufacturer',
      'manufacturer-user1',
      'POST',
      `/v1/assets/${j3}/handover`,
      j3,
      'HandoverProposed',
      { toOrg: 'CarrierMSP' },
    );
    await acceptedByFunction(j3, 'crash-once');

    const allIds = new Set([...expected.values()].flat());
    expect(allIds.size).toBe(12);

    // The untrusted proposal was seen and ignored: the retailer still holds J1, a handover pending.
    const untrusted = expected.get(j1)![5]!;
    await until('the function to have handled the untrusted proposal', async () => {
      const inv = await gw.get<{ items: { eventId: string; state: string }[] }>(
        '/v1/functions/accept-trusted-handovers/invocations',
      );
      return inv.body.items.some((i) => i.eventId === untrusted && i.state === 'done');
    });
    const inv = await gw.get<{
      items: { eventId: string; state: string; attempts: number; result: Record<string, unknown> }[];
    }>('/v1/functions/accept-trusted-handovers/invocations');
    expect(inv.body.items.find((i) => i.eventId === untrusted)).toMatchObject({
      state: 'done',
      result: { action: 'ignored', reason: 'untrusted shipper', from: 'RetailerMSP' },
    });
    expect(inv.body.items.find((i) => i.eventId === expected.get(j1)![1])).toMatchObject({
      state: 'done',
      result: { action: 'accepted', assetId: j1 },
    });
    const j1Now = await ok<{ custodian: string }>('retailer', 'GET', `/v1/assets/${j1}`, 'retailer-user1');
    expect(j1Now.custodian).toBe('RetailerMSP');
    // The crash: two attempts, the second answered from the first's Idempotency-Key record.
    const crash = await gw.get<{
      items: { eventId: string; state: string; attempts: number; result: Record<string, unknown> }[];
    }>('/v1/functions/crash-once/invocations');
    expect(crash.body.items.find((i) => i.eventId === expected.get(j3)![1])).toMatchObject({
      state: 'done',
      attempts: 2,
      result: { action: 'accepted', assetId: j3, replayed: true },
    });

    const wanted = (received: readonly Ce[]) => {
      const got = new Set(received.map((c) => c.id));
      return [...allIds].every((id) => got.has(id));
    };
    const check = (what: string, received: readonly Ce[]) => {
      // Exactly once after de-duplication by ID, in per-asset order.
      expect({ what, perAsset: Object.fromEntries(perAsset(received, assets)) }).toEqual({
        what,
        perAsset: Object.fromEntries(expected),
      });
      for (const ce of received.filter((c) => allIds.has(c.id))) {
        expect(ce.source).toBe('/waybill/e2e/supplychain/waybill');
        expect(ce.type).toMatch(/^io\.waybill\.(asset\.created|handover\.(proposed|accepted))$/);
        expect(ce.id).toBe(
          `${ce.txid}:${ce.type === 'io.waybill.asset.created' ? 'AssetCreated' : ce.type.endsWith('proposed') ? 'HandoverProposed' : 'HandoverAccepted'}`,
        );
        expect(Number(ce.blocknumber)).toBeGreaterThan(0);
        expect(Date.parse(ce.time)).toBeGreaterThan(0);
        expect(ce.data['assetId']).toBe(ce.subject);
      }
    };

    // Webhooks: both modes, both signature schemes verified (Standard Webhooks by its own library).
    for (const p of ['/structured', '/binary']) {
      const parsed = (): Ce[] =>
        receiver.requests
          .filter((r) => r.path === p)
          .map((r) => {
            const secret = secrets.get(p)!;
            expect(waybillSignatureValid(secret, r.headers['waybill-signature'], r.body)).toBe(true);
            expect(() => new Webhook(secret).verify(r.body, r.headers)).not.toThrow();
            const ce = HTTP.toEvent({ headers: r.headers, body: r.body });
            const one = (Array.isArray(ce) ? ce[0] : ce) as unknown as Ce;
            expect(r.headers['webhook-id']).toBe(one.id);
            if (p === '/binary') expect(r.headers['ce-id']).toBe(one.id);
            else expect(r.headers['content-type']).toMatch(/^application\/cloudevents\+json/);
            return one;
          });
      await until(`the webhook ${p} to receive the journey`, () => wanted(parsed()));
      check(`webhook ${p}`, parsed());
    }

    // NATS JetStream: subjects per type and asset.
    const nc = await natsConnect({ servers: [nats!.address] });
    try {
      const js = nc.jetstream();
      const fromNats: Ce[] = [];
      await until('NATS JetStream to hold the journey', async () => {
        fromNats.length = 0;
        const consumer = await js.consumers.get(STREAM);
        const batch = await consumer.fetch({ max_messages: 5000, expires: 2000 });
        for await (const m of batch) {
          const ce = JSON.parse(m.string()) as Ce;
          if (allIds.has(ce.id)) expect(m.subject).toBe(`waybill.${ce.type}.${ce.subject}`);
          fromNats.push(ce);
        }
        return wanted(fromNats);
      });
      check('nats', fromNats);
    } finally {
      await nc.close();
    }

    // Kafka: keyed by asset (one partition per asset keeps its order).
    const k = new Kafka({
      clientId: 'integrations-e2e',
      brokers: [kafka!.address],
      logLevel: logLevel.NOTHING,
    });
    const consumer = k.consumer({ groupId: `e2e-${Date.now()}` });
    const fromKafka: Ce[] = [];
    const partitionOf = new Map<string, Set<number>>();
    await consumer.connect();
    try {
      await consumer.subscribe({ topic: TOPIC, fromBeginning: true });
      await consumer.run({
        eachMessage: ({ message, partition }) => {
          const ce = JSON.parse(message.value?.toString('utf8') ?? '{}') as Ce;
          expect(message.key?.toString('utf8')).toBe(ce.subject ?? '');
          expect(message.headers?.['ce_id']?.toString()).toBe(ce.id);
          fromKafka.push(ce);
          const parts = partitionOf.get(ce.subject ?? '') ?? new Set<number>();
          parts.add(partition);
          partitionOf.set(ce.subject ?? '', parts);
          return Promise.resolve();
        },
      });
      await until('Kafka to hold the journey', () => wanted(fromKafka));
    } finally {
      await consumer.disconnect();
    }
    check('kafka', fromKafka);
    for (const a of assets) expect(partitionOf.get(a)?.size).toBe(1);

    // EventBridge (moto) → rule → SQS: entries carry the CloudEvent as detail.
    const fromSqs: Ce[] = [];
    await until('EventBridge to route the journey to SQS', async () => {
      const r = await sqs!.send(
        new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
      );
      for (const m of r.Messages ?? []) {
        const e = JSON.parse(m.Body ?? '{}') as { source: string; 'detail-type': string; detail: Ce };
        expect(e.source).toBe('io.waybill');
        expect(e['detail-type']).toBe(e.detail.type);
        fromSqs.push(e.detail);
      }
      if (r.Messages?.length)
        await sqs!.send(
          new DeleteMessageBatchCommand({
            QueueUrl: queueUrl,
            Entries: r.Messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })),
          }),
        );
      return wanted(fromSqs);
    });
    check('eventbridge', fromSqs);

    // The admin view: every sink caught up, none but the limited one dead-lettered.
    await until('every sink to catch up', async () => {
      const s = await gw.get<{
        items: { name: string; state: string; backlog: number; deadLetters: number }[];
      }>('/v1/sinks');
      return (
        s.body.items.length === 4 &&
        s.body.items.every(
          (i) => i.state === 'up' && i.backlog === 0 && (i.name === 'nats-limited' || i.deadLetters === 0),
        )
      );
    });

    // Dead letters: the limited stream keeps one message per subject (type and asset), so it refuses
    // J1's second and third proposal and its second acceptance; the sink dead-letters each after its
    // 3 attempts and goes on.
    const j1Events = expected.get(j1)!;
    const [secondProposal, secondAcceptance, thirdProposal] = [j1Events[3]!, j1Events[4]!, j1Events[5]!];
    const deadLetters = async () =>
      (
        await gw.get<{ items: { eventId: string; attempts: number; error: string }[] }>(
          '/v1/sinks/nats-limited/dead-letters',
        )
      ).body.items.filter((d) => allIds.has(d.eventId));
    expect((await deadLetters()).sort((a, b) => a.eventId.localeCompare(b.eventId))).toEqual(
      [secondProposal, secondAcceptance, thirdProposal].sort().map((eventId) => ({
        eventId,
        attempts: 3,
        error: 'JetStream refused the message: maximum messages per subject exceeded (10077)',
        at: expect.any(String) as unknown,
      })),
    );
    // The admin view counts them from the database (the metric restarted with the gateway).
    expect((await gw.get<{ deadLetters: number }>('/v1/sinks/nats-limited')).body.deadLetters).toBe(3);

    // Redelivered while the subject is still full: refused again, it stays (one attempt more).
    type Redelivery = {
      redelivered: number;
      failed: { eventId: string; error: string }[];
      remaining: number;
    };
    const again = await gw.post<Redelivery>(
      `/v1/sinks/nats-limited/dead-letters/${secondProposal}/redeliver`,
    );
    expect(again).toMatchObject({
      status: 200,
      body: {
        redelivered: 0,
        failed: [
          {
            eventId: secondProposal,
            error: 'JetStream refused the message: maximum messages per subject exceeded (10077)',
          },
        ],
        remaining: 3,
      },
    });
    // The operator makes room (purges J1's subjects) and redelivers all, oldest first: the second
    // proposal and acceptance go out; the third proposal finds the subject full again.
    const subject = (type: string) => `limited.io.waybill.handover.${type}.${j1}`;
    const nc2 = await natsConnect({ servers: [nats!.address] });
    try {
      const jsm = await nc2.jetstreamManager();
      for (const type of ['proposed', 'accepted'])
        await jsm.streams.purge(LIMITED, { filter: subject(type) });
      const all = await gw.post<Redelivery>('/v1/sinks/nats-limited/dead-letters/redeliver');
      expect(all).toMatchObject({
        status: 200,
        body: { redelivered: 2, failed: [{ eventId: thirdProposal }], remaining: 1 },
      });
      const held = async (type: string) =>
        (JSON.parse((await jsm.streams.getMessage(LIMITED, { last_by_subj: subject(type) })).string()) as Ce)
          .id;
      expect([await held('proposed'), await held('accepted')]).toEqual([secondProposal, secondAcceptance]);
    } finally {
      await nc2.close();
    }
    expect(await deadLetters()).toMatchObject([{ eventId: thirdProposal, attempts: 4 }]);
    const gone = await gw.post<{ code: string }>(
      `/v1/sinks/nats-limited/dead-letters/${secondProposal}/redeliver`,
    );
    expect(gone).toMatchObject({ status: 404, body: { code: 'DEAD_LETTER_NOT_FOUND' } });
    expect(gone.contentType).toMatch(/^application\/problem\+json/);

    // The function's key came from its secret file and went nowhere else.
    expect(functionKey).toMatch(/^wb_/);
    expect(readFileSync(gw.log, 'utf8')).not.toContain(functionKey);
  }, 600_000);
});
