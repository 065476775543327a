import './require-esm';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { ApiKeyRepository } from '../auth/api-key.repository';
import { ApiKeysService } from '../auth/api-keys.service';
import { createApp, type GatewayApp } from '../bootstrap';
import { JsonLogger } from '../common/logger';
import type { Resolver } from '../webhooks/destination';
import { DEFAULT_READ_ROLES, DEFAULT_RETENTION_MS, type GatewayConfig } from '../config/config';
import type { ConnectionProfile } from '../config/profile';
import type { Database } from '../database/database';
import { migrate } from '../database/migrations';
import { SqliteDatabase } from '../database/sqlite.database';
import { FakeLedger } from '../ledger/testing/fake-ledger';
import { MetricsService } from '../metrics/metrics.service';
import type { HttpPost } from '../webhooks/webhook-dispatcher';
import type { SinkPublisherFactory } from '../sinks/sink-publisher';

/** The Manufacturer organisation's profile, as the infra writes it (paths are not read in tests). */
export const TEST_PROFILE: ConnectionProfile = {
  organization: 'Manufacturer',
  mspId: 'ManufacturerMSP',
  channel: 'supplychain',
  chaincode: 'waybill',
  peers: [
    {
      name: 'peer0.manufacturer',
      endpoint: 'localhost:7051',
      tlsRootCertPath: '/dev/null',
      hostnameOverride: 'localhost',
    },
  ],
  identities: [
    { id: 'manufacturer-user1', role: 'manufacturer', certPath: '/dev/null', keyPath: '/dev/null' },
    { id: 'manufacturer-admin', role: 'admin', certPath: '/dev/null', keyPath: '/dev/null' },
    { id: 'manufacturer-auditor', role: 'auditor', certPath: '/dev/null', keyPath: '/dev/null' },
  ],
  organizations: { ManufacturerMSP: 'Manufacturer', CarrierMSP: 'Carrier', RetailerMSP: 'Retailer' },
};

/** The key-encryption key of test gateways (32 fixed bytes: tests only). */
export const TEST_KEK = Buffer.alloc(32, 7);

/** A valid configuration for tests; override what a test is about. */
export function testConfig(
  overrides: Partial<{ [K in keyof GatewayConfig]: Partial<GatewayConfig[K]> }> = {},
): GatewayConfig {
  const base: GatewayConfig = {
    profilePath: '/tmp/profile.json',
    profile: TEST_PROFILE,
    http: {
      host: '127.0.0.1',
      port: 0,
      bodyLimitBytes: 16 * 1024,
      corsOrigins: [],
      docsEnabled: true,
      limits: {
        requestTimeoutMs: 30_000,
        headersTimeoutMs: 10_000,
        idleTimeoutMs: 30_000,
        keepAliveTimeoutMs: 5_000,
        maxConnections: 1_024,
        maxRequestsPerSocket: 1_000,
      },
      tls: undefined,
      allowInsecure: false,
    },
    database: { kind: 'sqlite', path: ':memory:' },
    ledger: {
      adapter: 'fabric-gateway',
      timeouts: { evaluateMs: 1000, endorseMs: 1000, submitMs: 1000, commitStatusMs: 1000, resendAfterMs: 0 },
      statusWaitMs: 10,
      minBlockWaitMs: 200,
    },
    retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 2 },
    rateLimit: {
      perSecond: 0,
      burst: 1,
      identityPerSecond: 0,
      identityBurst: 1,
      organizationPerSecond: 0,
      organizationBurst: 1,
      anonymousPerSecond: 0,
      anonymousBurst: 1,
    },
    idempotency: { ttlSeconds: 3600 },
    auth: { refreshMs: 50 },
    log: { level: 'debug' },
    shutdownTimeoutMs: 1000,
    personalData: {
      kek: TEST_KEK,
      previousKeks: [],
      readRoles: DEFAULT_READ_ROLES,
      retentionMs: DEFAULT_RETENTION_MS,
      retentionIntervalMs: 0,
      settleIntervalMs: 0,
      kekRotationIntervalMs: 0,
      systemIdentity: 'manufacturer-admin',
    },
    // Off by default: controller tests assert on the ledger calls they cause, and the reader's
    // calls would interleave. The events tests switch it on.
    events: {
      enabled: false,
      identity: 'manufacturer-auditor',
      startBlock: 0,
      reconnectMaxDelayMs: 200,
      leaderRetryMs: 100,
      streams: { maxPerKey: 4, maxPerProcess: 16, maxLifeMs: 3_600_000 },
      webhooks: {
        timeoutMs: 1000,
        maxAttempts: 3,
        retryBaseDelayMs: 5,
        retryMaxDelayMs: 20,
        concurrency: 2,
        maxSubscriptions: 20,
        // The unit tests' dead receivers (127.0.0.1:9).
        allowedNetworks: ['127.0.0.1/32'],
      },
      network: 'test',
      sinks: { list: [], maxAttempts: 3, retryBaseDelayMs: 5, retryMaxDelayMs: 20, batchSize: 100 },
      functions: { files: [], apiUrl: undefined },
    },
  };
  const merged: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(overrides)) {
    merged[k] =
      typeof v === 'object' && v !== null ? { ...(base[k as keyof GatewayConfig] as object), ...v } : v;
  }
  return merged as unknown as GatewayConfig;
}

/**
 * Tests never ask DNS: names under `.example` resolve to a public address, `*.internal.example` to
 * a private one, anything else does not resolve.
 */
export const exampleResolver: Resolver = (host) => {
  if (host.endsWith('.internal.example')) return Promise.resolve([{ address: '10.1.2.3', family: 4 }]);
  if (host === 'example' || host.endsWith('.example'))
    return Promise.resolve([{ address: '93.184.215.14', family: 4 }]);
  return Promise.reject(Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' }));
};

/** A gateway on a fake ledger and an in-memory database, with one API key per test identity. */
export interface TestApp {
  readonly gateway: GatewayApp;
  readonly app: NestFastifyApplication;
  readonly ledger: FakeLedger;
  readonly db: Database;
  readonly metrics: MetricsService;
  /** Every log line written, parsed. */
  readonly logs: Record<string, unknown>[];
  /** API keys by identity id. */
  readonly keys: Readonly<Record<string, string>>;
  /** A key service on the same database, as the admin CLI would use it (another process). */
  readonly outsideKeys: ApiKeysService;
  close(): Promise<void>;
}

/** Starts a test gateway; `ledger` lets a test script the chaincode first. */
export async function startTestApp(
  options: {
    config?: GatewayConfig;
    ledger?: FakeLedger;
    database?: Database;
    webhookPost?: HttpPost;
    webhookResolver?: Resolver;
    consoleAssetsDir?: string;
    sinkPublishers?: SinkPublisherFactory;
  } = {},
): Promise<TestApp> {
  const config = options.config ?? testConfig();
  const ledger = options.ledger ?? new FakeLedger(config.profile.mspId);
  const db = options.database ?? new SqliteDatabase(':memory:');
  await migrate(db);
  const outsideKeys = new ApiKeysService(new ApiKeyRepository(db), config.profile, { refreshMs: 1000 });
  const keys: Record<string, string> = {};
  for (const identity of config.profile.identities) {
    keys[identity.id] = (
      await outsideKeys.create({ name: `test ${identity.id}`, identityId: identity.id })
    ).key;
  }
  const logs: Record<string, unknown>[] = [];
  const logger = new JsonLogger(
    config.log.level,
    (line) => void logs.push(JSON.parse(line) as Record<string, unknown>),
  );
  const metrics = new MetricsService({ defaultMetrics: false });
  const gateway = await createApp({
    config,
    ledger,
    database: db,
    logger,
    metrics,
    clock: { random: () => 0.5, sleep: () => Promise.resolve() },
    ...(options.webhookPost ? { webhookPost: options.webhookPost } : {}),
    webhookResolver: options.webhookResolver ?? exampleResolver,
    ...(options.sinkPublishers ? { sinkPublishers: options.sinkPublishers } : {}),
    ...(options.consoleAssetsDir ? { consoleAssetsDir: options.consoleAssetsDir } : {}),
  });
  await gateway.app.getHttpAdapter().getInstance().ready();
  return {
    gateway,
    app: gateway.app,
    ledger,
    db,
    metrics,
    logs,
    keys,
    outsideKeys,
    close: () => gateway.close(),
  };
}

/** Options of {@link request}. */
export interface RequestOptions {
  /** API key to send as X-API-Key (omitted: none). */
  readonly key?: string;
  readonly body?: unknown;
  readonly headers?: Record<string, string>;
}

/** One request through the whole Nest/Fastify stack (no socket), JSON body parsed. */
export async function request(
  t: TestApp,
  method: 'GET' | 'POST' | 'OPTIONS' | 'DELETE' | 'PUT' | 'PATCH',
  url: string,
  options: RequestOptions = {},
) {
  const response = await t.app.inject({
    method,
    url,
    headers: { ...(options.key ? { 'x-api-key': options.key } : {}), ...options.headers },
    ...(options.body === undefined ? {} : { payload: options.body as object }),
  });
  let body: unknown = response.body;
  const type = String(response.headers['content-type'] ?? '');
  if (type.includes('json') && response.body !== '') body = JSON.parse(response.body) as unknown;
  return {
    status: response.statusCode,
    headers: response.headers,
    body: body as Record<string, unknown>,
    text: response.body,
  };
}
