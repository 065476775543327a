import { readFileSync, statSync } from 'node:fs';
import { ALL_ROLES, PERSONAL_DATA_CATEGORIES, type PersonalDataCategory, SALE_ROLES } from '@waybill/chaincode/constants';
import { isIP } from 'node:net';
import { isAbsolute, resolve } from 'node:path';
import { LOG_LEVELS, type LogLevel } from '../common/logger';
import { type ConnectionProfile, loadConnectionProfile, ProfileError, type Role } from './profile';
import { parseSinks, type SinkConfig } from './sinks-config';

export type DatabaseConfig =
  | { readonly kind: 'sqlite'; readonly path: string }
  | { readonly kind: 'postgres'; readonly url: string; readonly poolSize: number };

/** Deadlines per ledger call kind, in milliseconds. */
export interface LedgerTimeouts {
  readonly evaluateMs: number;
  readonly endorseMs: number;
  readonly submitMs: number;
  readonly commitStatusMs: number;
  /** Re-send a submitted transaction not committed after this long, again at each interval (Gateway adapter); 0: never. */
  readonly resendAfterMs: number;
}

/** Personal data (docs/privacy.md): keys, who may read which category, retention. */
export interface PersonalDataConfig {
  /** Key-encryption key (32 bytes) wrapping new data keys. */
  readonly kek: Buffer;
  /** Earlier KEKs, still accepted to unwrap data keys until `admin.js pd rewrap` has run. */
  readonly previousKeks: readonly Buffer[];
  /** The KEK file (absolute), when the KEK comes from one: scheduled rotation rewrites it. */
  readonly kekFile?: string;
  /** Scheduled KEK rotation: every this many ms a new KEK replaces the old, which is destroyed; 0: off. */
  readonly kekRotationIntervalMs: number;
  /** Roles that may read (and write) each category. */
  readonly readRoles: Readonly<Record<PersonalDataCategory, readonly Role[]>>;
  /** How long a record is kept after it was created, per category (ms). */
  readonly retentionMs: Readonly<Record<PersonalDataCategory, number>>;
  /** How often the retention job runs (ms); 0 switches the schedule off. */
  readonly retentionIntervalMs: number;
  /** Identity the retention job acts as on the ledger (an admin identity of the profile by default). */
  readonly systemIdentity: string;
  /** How often the settler looks for ledger writes with an unknown outcome (ms); 0 switches it off. */
  readonly settleIntervalMs: number;
}

/** Roles that may read each category unless WAYBILL_PD_READ_ROLES says otherwise. */
export const DEFAULT_READ_ROLES: Readonly<Record<PersonalDataCategory, readonly Role[]>> = {
  name: ['manufacturer', 'carrier', 'retailer', 'admin'],
  'postal-address': ['manufacturer', 'carrier', 'retailer', 'admin'],
  phone: ['manufacturer', 'carrier', 'retailer', 'admin'],
  email: ['manufacturer', 'carrier', 'retailer', 'admin'],
  'national-id': ['admin'],
  notes: ['manufacturer', 'carrier', 'retailer', 'admin'],
};

const DAY_MS = 86_400_000;
/** Retention per category unless WAYBILL_PD_RETENTION says otherwise. */
export const DEFAULT_RETENTION_MS: Readonly<Record<PersonalDataCategory, number>> = {
  name: 730 * DAY_MS,
  'postal-address': 730 * DAY_MS,
  phone: 365 * DAY_MS,
  email: 365 * DAY_MS,
  'national-id': 365 * DAY_MS,
  notes: 180 * DAY_MS,
};

/** The whole typed configuration of one gateway process. */
export interface GatewayConfig {
  readonly profilePath: string;
  readonly profile: ConnectionProfile;
  readonly http: {
    readonly host: string;
    readonly port: number;
    readonly bodyLimitBytes: number;
    /** Allowed CORS origins; empty means CORS is off. */
    readonly corsOrigins: readonly string[];
    readonly docsEnabled: boolean;
    /** Server limits (docs/operations.md, "Limits"); every timeout in milliseconds. */
    readonly limits: HttpLimits;
    /** HTTPS certificate and key (PEM); undefined serves plain HTTP. */
    readonly tls: { readonly cert: Buffer; readonly key: Buffer } | undefined;
    /** Plain HTTP on an address other than loopback was asked for explicitly. */
    readonly allowInsecure: boolean;
  };
  readonly database: DatabaseConfig;
  readonly ledger: {
    readonly adapter: 'fabric-gateway' | 'fabric-network';
    readonly timeouts: LedgerTimeouts;
    /** How long `GET /v1/transactions/{txId}` waits for a commit before reporting it pending. */
    readonly statusWaitMs: number;
    /** How long a read with `X-Min-Block` waits for the block. */
    readonly minBlockWaitMs: number;
    /**
     * Test-only fault (`WAYBILL_TEST_FAULT`, accepted only with `NODE_ENV=test` in the environment):
     * the process SIGKILLs itself once the orderer accepted a transaction of this name, before its
     * commit — the crash tests' deterministic "between submit and commit".
     */
    readonly testFault?: { readonly killAfterSubmit: string };
  };
  readonly retry: { readonly maxAttempts: number; readonly baseDelayMs: number; readonly maxDelayMs: number };
  /** Token buckets; a `perSecond` of 0 switches that bucket off. */
  readonly rateLimit: RateLimitConfig;
  readonly idempotency: { readonly ttlSeconds: number };
  readonly auth: { readonly refreshMs: number };
  readonly log: { readonly level: LogLevel };
  readonly shutdownTimeoutMs: number;
  readonly personalData: PersonalDataConfig;
  /** The event reader, read model and webhook delivery (docs/events.md). */
  readonly events: EventsConfig;
}

/** Timeouts and caps of the HTTP server. */
export interface HttpLimits {
  /** Whole request (headers and body) must arrive within this. */
  readonly requestTimeoutMs: number;
  /** Headers must arrive within this. */
  readonly headersTimeoutMs: number;
  /** A socket with nothing happening on it is closed after this. */
  readonly idleTimeoutMs: number;
  /** An idle kept-alive connection is closed after this. */
  readonly keepAliveTimeoutMs: number;
  /** Connections open at once; more are refused. */
  readonly maxConnections: number;
  /** Requests served on one kept-alive connection. */
  readonly maxRequestsPerSocket: number;
}

/** Rate limits: per key, per identity, per organisation (all keys), and per address without a valid key. */
export interface RateLimitConfig {
  readonly perSecond: number;
  readonly burst: number;
  readonly identityPerSecond: number;
  readonly identityBurst: number;
  readonly organizationPerSecond: number;
  readonly organizationBurst: number;
  readonly anonymousPerSecond: number;
  readonly anonymousBurst: number;
}

/** Event stream, read model and webhooks settings. */
export interface EventsConfig {
  /** Run the event reader, the projection and webhook delivery in this process. */
  readonly enabled: boolean;
  /** Identity id (of the profile) that reads blocks and assets for the projection. */
  readonly identity: string;
  /** First block read when the database has no checkpoint yet (0: the whole channel). */
  readonly startBlock: number;
  /** Cap of the reconnect backoff after the block stream fails. */
  readonly reconnectMaxDelayMs: number;
  /**
   * PostgreSQL: how often a process that is not the event leader tries to become it, and the leader
   * checks its lock's connection (so the longest a dead leader goes unreplaced).
   */
  readonly leaderRetryMs: number;
  /**
   * Identity id that purges this organisation's side of the terms of a sale the seller cancelled
   * (a trading identity); absent: the profile has none, so the organisation never agrees terms.
   */
  readonly termsPurgeIdentity?: string;
  /** Server-Sent Events streams. */
  readonly streams: {
    readonly maxPerKey: number;
    readonly maxPerProcess: number;
    /** A stream is ended after this (the client resumes with Last-Event-ID). */
    readonly maxLifeMs: number;
  };
  readonly webhooks: {
    /** Deadline of one delivery attempt (connect, send, response). */
    readonly timeoutMs: number;
    /** Attempts before a delivery is dead-lettered (a subscription may ask for fewer or more). */
    readonly maxAttempts: number;
    readonly retryBaseDelayMs: number;
    readonly retryMaxDelayMs: number;
    /** Deliveries in flight at once per subscription (each for a different asset). */
    readonly concurrency: number;
    /** Subscriptions this organisation's gateway keeps at most. */
    readonly maxSubscriptions: number;
    /** Non-public destinations (CIDR ranges or addresses) deliveries may still go to. */
    readonly allowedNetworks: readonly string[];
  };
  /** Network name in the CloudEvents `source` (`/waybill/<network>/<channel>/<chaincode>`). */
  readonly network: string;
  /** Event sinks (Kafka, NATS JetStream, EventBridge) and their delivery settings. */
  readonly sinks: {
    readonly list: readonly SinkConfig[];
    readonly maxAttempts: number;
    readonly retryBaseDelayMs: number;
    readonly retryMaxDelayMs: number;
    readonly batchSize: number;
  };
  /** Function binding files (JSON or YAML) run by the gateway's function runner. */
  readonly functions: {
    readonly files: readonly string[];
    /** Base URL a function calls this gateway at (`WAYBILL_API_URL` in its environment). */
    readonly apiUrl: string | undefined;
  };
}

/**
 * The longest a write request can last: every attempt's deadlines, plus a minute. A staged
 * rectification or an idempotency key older than this belongs to a request that is over.
 */
export function writeBoundMs(c: Pick<GatewayConfig, 'ledger' | 'retry'>): number {
  const t = c.ledger.timeouts;
  return c.retry.maxAttempts * (t.evaluateMs * 2 + t.endorseMs + t.submitMs + t.commitStatusMs) + 60_000;
}

/**
 * How long after it was sent to be ordered a transaction can still commit: the submit and
 * commit-status deadlines, plus half a minute. A transaction the ledger does not know after that
 * never reached the orderer, and never will (its process is gone).
 */
export function commitWindowMs(c: Pick<GatewayConfig, 'ledger'>): number {
  return c.ledger.timeouts.submitMs + c.ledger.timeouts.commitStatusMs + 30_000;
}

/** How often a scheduled KEK rotation checks whether it is due. */
export function kekRotationCheckMs(intervalMs: number): number {
  return Math.min(Math.max(Math.floor(intervalMs / 4), 1_000), 60_000);
}

/** Injection token of the {@link GatewayConfig}. */
export const CONFIG = Symbol('CONFIG');

/** Raw configuration source: variable name → value (environment, or a file's entries). */
export type ConfigSource = Readonly<Record<string, string | undefined>>;

/** One or more configuration variables are missing or invalid; `problems` lists them all. */
export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

/** One configuration variable: its meaning (Markdown), default and bounds. */
export interface VariableSpec {
  readonly doc: string;
  /** The value when the variable is not set. */
  readonly default?: number | boolean | string;
  /** How the default reads in the documentation, when it is not a plain value. */
  readonly defaultText?: string;
  /** Bounds of an integer. */
  readonly min?: number;
  readonly max?: number;
  /** The accepted values of an enumeration. */
  readonly values?: readonly string[];
}

const MINUTES_10 = 600_000;

const int = (doc: string, fallback: number, min: number, max: number): VariableSpec => ({
  doc,
  default: fallback,
  min,
  max,
});
const bool = (doc: string, fallback: boolean): VariableSpec => ({ doc, default: fallback });
const oneOf = (doc: string, fallback: string, values: readonly string[]): VariableSpec => ({
  doc,
  default: fallback,
  values,
});
const text = (doc: string, defaults: Pick<VariableSpec, 'default' | 'defaultText'> = {}): VariableSpec => ({
  doc,
  ...defaults,
});

/**
 * Every variable the gateway reads: the one place that gives its meaning, default and bounds.
 * {@link loadConfig} validates against it, and docs/api.md's configuration table is rendered from
 * it ({@link renderConfigTable}; a unit test keeps the two equal).
 */
export const CONFIG_TABLE = {
  WAYBILL_CONFIG_FILE: text('optional JSON file of variable → value; the environment overrides it'),
  WAYBILL_PROFILE: text('path of the connection profile written by the infra (required)'),
  HOST: text('interface to listen on', { default: '127.0.0.1' }),
  PORT: int('TCP port; 0 picks a free one, logged in the `listening` line', 3000, 0, 65535),
  DATABASE_URL: text('`postgres://…`, `sqlite:<path>` or a plain path', {
    defaultText: '`.data/gateway-<org>.sqlite`',
  }),
  WAYBILL_DATABASE_POOL_SIZE: int('PostgreSQL pool size', 10, 1, 1000),
  WAYBILL_LOG_LEVEL: oneOf('log level', 'info', LOG_LEVELS),
  WAYBILL_BODY_LIMIT_BYTES: int('largest accepted request body', 262_144, 1024, 64 * 1024 * 1024),
  WAYBILL_CORS_ORIGINS: text('comma-separated allowed origins; empty (default) means CORS is off'),
  WAYBILL_DOCS_ENABLED: bool('serve `/docs` and `/docs/openapi.json`', true),
  WAYBILL_TLS_CERT_FILE: text('PEM certificate (chain) to serve HTTPS with; with `WAYBILL_TLS_KEY_FILE`'),
  WAYBILL_TLS_KEY_FILE: text('PEM private key of that certificate, mode 0600'),
  WAYBILL_ALLOW_INSECURE_HTTP: bool(
    'serve plain HTTP on an address other than loopback (`HOST`); without it such a start is refused',
    false,
  ),
  WAYBILL_REQUEST_TIMEOUT_MS: int('a whole request (headers and body) must arrive within this', 30_000, 1_000, MINUTES_10),
  WAYBILL_HEADERS_TIMEOUT_MS: int('request headers must arrive within this', 10_000, 500, MINUTES_10),
  WAYBILL_IDLE_TIMEOUT_MS: int('a connection with no traffic is closed after this (SSE streams send heartbeats)', 30_000, 1_000, MINUTES_10),
  WAYBILL_KEEP_ALIVE_TIMEOUT_MS: int('an idle kept-alive connection is closed after this', 5_000, 100, MINUTES_10),
  WAYBILL_MAX_CONNECTIONS: int('connections open at once; more are refused', 1_024, 1, 1_000_000),
  WAYBILL_MAX_REQUESTS_PER_SOCKET: int('requests served on one kept-alive connection; 0: no limit', 1_000, 0, 1_000_000),
  WAYBILL_LEDGER_ADAPTER: oneOf(
    'ledger adapter: the Gateway service of Fabric ≥ 2.4, or the Fabric 2.2 SDK for peers without it (AWS Managed Blockchain)',
    'fabric-gateway',
    ['fabric-gateway', 'fabric-network'],
  ),
  WAYBILL_EVALUATE_TIMEOUT_MS: int('deadline of an evaluate call', 5_000, 100, MINUTES_10),
  WAYBILL_ENDORSE_TIMEOUT_MS: int('deadline of an endorse call', 15_000, 100, MINUTES_10),
  WAYBILL_SUBMIT_TIMEOUT_MS: int('deadline of a submit-to-orderer call', 5_000, 100, MINUTES_10),
  WAYBILL_COMMIT_STATUS_TIMEOUT_MS: int('deadline of waiting for a commit', 60_000, 100, MINUTES_10),
  WAYBILL_COMMIT_RESEND_AFTER_MS: int(
    'a submitted transaction not committed after this long is sent to the ordering service again (the same signed transaction, never a new one), again at each interval until the commit deadline; 0: never. Fabric Gateway adapter only',
    10_000,
    0,
    MINUTES_10,
  ),
  WAYBILL_STATUS_WAIT_MS: int('how long `GET /v1/transactions/{txId}` waits for a commit', 1_000, 10, 60_000),
  WAYBILL_MIN_BLOCK_WAIT_MS: int(
    'how long a read with `X-Min-Block` waits for this organisation’s peers (and, for answers of the read model, the read model) to hold that block before 503 `MIN_BLOCK_NOT_REACHED`',
    3_000,
    0,
    60_000,
  ),
  WAYBILL_TEST_FAULT: text(
    'test only, refused unless `NODE_ENV=test` and set in the environment (never from the config file): `kill-after-submit:<transaction>` makes the gateway SIGKILL itself once the orderer accepted such a transaction, before its commit (crash tests)',
  ),
  WAYBILL_RETRY_MAX_ATTEMPTS: int('transactions tried for a write that hits read conflicts', 5, 1, 20),
  WAYBILL_RETRY_BASE_DELAY_MS: int('base of the exponential backoff between attempts', 50, 0, 10_000),
  WAYBILL_RETRY_MAX_DELAY_MS: int('cap of the backoff', 1_000, 0, 60_000),
  WAYBILL_RATE_LIMIT_PER_SECOND: int(
    'sustained requests per second per API key; 0 switches it off',
    500,
    0,
    1_000_000,
  ),
  WAYBILL_RATE_LIMIT_BURST: int('burst size per API key', 1_000, 1, 10_000_000),
  WAYBILL_RATE_LIMIT_IDENTITY_PER_SECOND: int(
    'sustained requests per second per Fabric identity, all its keys together; 0 switches it off',
    1_000,
    0,
    1_000_000,
  ),
  WAYBILL_RATE_LIMIT_IDENTITY_BURST: int('burst size per identity', 2_000, 1, 10_000_000),
  WAYBILL_RATE_LIMIT_ORG_PER_SECOND: int(
    'sustained requests per second of all keys of the gateway together; 0 switches it off',
    2_000,
    0,
    1_000_000,
  ),
  WAYBILL_RATE_LIMIT_ORG_BURST: int('burst size of all keys together', 4_000, 1, 10_000_000),
  WAYBILL_RATE_LIMIT_ANONYMOUS_PER_SECOND: int(
    'sustained requests per second per client address without a valid API key (checked before the key); 0 switches it off',
    20,
    0,
    1_000_000,
  ),
  WAYBILL_RATE_LIMIT_ANONYMOUS_BURST: int('burst size per client address without a valid key', 40, 1, 10_000_000),
  WAYBILL_IDEMPOTENCY_TTL_SECONDS: int('how long an Idempotency-Key is remembered', 86_400, 60, 30 * 86_400),
  WAYBILL_AUTH_REFRESH_MS: int(
    'how often the key cache checks the database for new and revoked keys',
    1_000,
    50,
    60_000,
  ),
  WAYBILL_SHUTDOWN_TIMEOUT_MS: int('how long a shutdown waits for in-flight requests', 10_000, 0, MINUTES_10),
  WAYBILL_PD_KEK: text(
    'key-encryption key of personal data, 32 bytes base64 (this or `WAYBILL_PD_KEK_FILE` is required)',
  ),
  WAYBILL_PD_KEK_FILE: text(
    'file holding the KEK in base64, mode 0600 (during a scheduled rotation: the new KEK, then the previous one on the next line)',
  ),
  WAYBILL_PD_KEK_ROTATION_INTERVAL_MS: int(
    'scheduled KEK rotation: every this many ms the gateway writes a new KEK to `WAYBILL_PD_KEK_FILE`, rewraps every data key and webhook secret under it and destroys the old KEK, so backups taken earlier no longer open with the live key (docs/privacy.md); 0 switches it off',
    0,
    0,
    366 * 86_400_000,
  ),
  WAYBILL_PD_PREVIOUS_KEKS: text('comma-separated earlier KEKs, accepted until `admin.js pd rewrap` has run'),
  WAYBILL_PD_READ_ROLES: text('roles per category, e.g. `national-id=admin;notes=admin,carrier`', {
    defaultText: 'in docs/privacy.md',
  }),
  WAYBILL_PD_RETENTION: text('retention per category, e.g. `phone=90d;notes=12h` (s, m, h or d)', {
    defaultText: 'in docs/privacy.md',
  }),
  WAYBILL_PD_RETENTION_INTERVAL_MS: int(
    'how often the retention job runs; 0 switches it off',
    3_600_000,
    0,
    7 * 86_400_000,
  ),
  WAYBILL_PD_SETTLE_INTERVAL_MS: int(
    'how often the settler resolves personal-data writes whose outcome was unknown (a crash, a commit-status timeout) by commit status; 0 switches it off',
    10_000,
    0,
    3_600_000,
  ),
  WAYBILL_PD_SYSTEM_IDENTITY: text('identity the retention job uses on the ledger', {
    defaultText: "the profile's first admin, else manufacturer, carrier or retailer identity",
  }),
  WAYBILL_EVENTS_ENABLED: bool('run the event reader, read model and webhook delivery', true),
  WAYBILL_EVENTS_IDENTITY: text('identity that reads blocks and assets for the read model', {
    defaultText: "the profile's first",
  }),
  WAYBILL_TERMS_PURGE_IDENTITY: text(
    "identity that purges this organisation's terms of a sale the seller cancelled",
    { defaultText: "the profile's first manufacturer or retailer identity" },
  ),
  WAYBILL_EVENTS_START_BLOCK: int(
    'first block read when the database has no checkpoint yet (0: the whole channel)',
    0,
    0,
    Number.MAX_SAFE_INTEGER,
  ),
  WAYBILL_EVENTS_RECONNECT_MAX_MS: int(
    "cap of the block stream's reconnect backoff",
    30_000,
    100,
    MINUTES_10,
  ),
  WAYBILL_EVENTS_LEADER_RETRY_MS: int(
    'PostgreSQL: how often a gateway that is not the [event leader](events.md#several-gateway-processes-on-one-database) tries to take over',
    5_000,
    100,
    MINUTES_10,
  ),
  WAYBILL_WEBHOOK_TIMEOUT_MS: int('deadline of one webhook delivery attempt', 5_000, 100, 120_000),
  WAYBILL_WEBHOOK_MAX_ATTEMPTS: int(
    'attempts before a delivery is dead-lettered (a subscription may set its own)',
    10,
    1,
    50,
  ),
  WAYBILL_WEBHOOK_RETRY_BASE_MS: int('base of the backoff between delivery attempts', 500, 1, 3_600_000),
  WAYBILL_WEBHOOK_RETRY_MAX_MS: int('cap of that backoff', 60_000, 1, 86_400_000),
  WAYBILL_WEBHOOK_CONCURRENCY: int('deliveries in flight per subscription, each for another asset', 4, 1, 64),
  WAYBILL_WEBHOOK_MAX_SUBSCRIPTIONS: int('webhook subscriptions the organisation may hold', 100, 1, 100_000),
  WAYBILL_WEBHOOK_ALLOWED_NETWORKS: text(
    'comma-separated CIDR ranges or addresses that are not public (loopback, private, link-local…) which webhooks may still be sent to; empty (default): public addresses only',
  ),
  WAYBILL_SSE_MAX_STREAMS_PER_KEY: int('event streams open at once per API key (429 beyond)', 4, 1, 10_000),
  WAYBILL_SSE_MAX_STREAMS: int('event streams open at once in the process (503 beyond)', 256, 1, 100_000),
  WAYBILL_SSE_MAX_LIFE_MS: int(
    'an event stream is ended after this; the client resumes with Last-Event-ID',
    3_600_000,
    1_000,
    86_400_000,
  ),
  WAYBILL_EVENTS_NETWORK: text(
    'network name in the CloudEvents `source` of every event (`/waybill/<network>/<channel>/<chaincode>`)',
    {
      default: 'waybill',
    },
  ),
  WAYBILL_SINKS: text(
    'JSON array of event sinks (Kafka, NATS JetStream, AWS EventBridge), see [integrations.md](integrations.md#sinks); empty: none',
  ),
  WAYBILL_SINK_MAX_ATTEMPTS: int('attempts before a sink dead-letters an event', 10, 1, 1000),
  WAYBILL_SINK_RETRY_BASE_MS: int('base of the backoff between sink attempts', 500, 1, 3_600_000),
  WAYBILL_SINK_RETRY_MAX_MS: int('cap of that backoff', 30_000, 1, 86_400_000),
  WAYBILL_SINK_BATCH: int('events a sink publishes per step', 100, 1, 10_000),
  WAYBILL_FUNCTIONS: text(
    'comma-separated function binding files (JSON or YAML), see [integrations.md](integrations.md#functions); empty: none',
  ),
  WAYBILL_FUNCTIONS_API_URL: text('base URL functions call this gateway at', {
    defaultText: '`http://127.0.0.1:<PORT>`',
  }),
} as const satisfies Readonly<Record<string, VariableSpec>>;
export type ConfigVariable = keyof typeof CONFIG_TABLE;

/** Every variable with its meaning and default as one sentence (the rows of the documentation). */
export const CONFIG_VARIABLES: Readonly<Record<ConfigVariable, string>> = Object.fromEntries(
  Object.entries(CONFIG_TABLE).map(([name, spec]: [string, VariableSpec]) => [name, describeVariable(spec)]),
) as Record<ConfigVariable, string>;

function describeVariable(spec: VariableSpec): string {
  const values = spec.values ? `${spec.values.map((v) => `\`${v}\``).join(', ')}: ` : '';
  const fallback =
    spec.defaultText ??
    (spec.default === undefined
      ? undefined
      : spec.values
        ? `\`${String(spec.default)}\``
        : String(spec.default));
  return `${values}${spec.doc}${fallback === undefined ? '' : ` (default ${fallback})`}`;
}

/** docs/api.md's configuration table, rendered from {@link CONFIG_TABLE}. */
export function renderConfigTable(): string {
  const rows = Object.entries(CONFIG_VARIABLES).map(([name, text]) => `| \`${name}\` | ${text} |`);
  return ['| variable | meaning |', '| --- | --- |', ...rows].join('\n');
}

/**
 * Reads the configuration from the environment and the optional `WAYBILL_CONFIG_FILE`, validates
 * every variable, and loads the connection profile.
 * @throws {@link ConfigError} listing every bad variable (and every profile problem).
 */
export function loadConfig(env: ConfigSource = process.env, cwd: string = process.cwd()): GatewayConfig {
  const problems: string[] = [];
  const source = mergeFileSource(env, cwd, problems);
  const r = new Reader(source, problems);

  const profilePath = r.string('WAYBILL_PROFILE');
  let profile: ConnectionProfile | undefined;
  if (profilePath !== undefined) {
    try {
      profile = loadConnectionProfile(resolve(cwd, profilePath));
    } catch (err) {
      if (!(err instanceof ProfileError)) throw err;
      problems.push(...err.problems.map((p) => `WAYBILL_PROFILE (${err.path}): ${p}`));
    }
  }

  const http = {
    host: r.string('HOST') ?? String(CONFIG_TABLE.HOST.default),
    port: r.int('PORT'),
    bodyLimitBytes: r.int('WAYBILL_BODY_LIMIT_BYTES'),
    corsOrigins: r.list(
      'WAYBILL_CORS_ORIGINS',
      (o) => /^https?:\/\/[^\s/]+$/.test(o) || o === '*',
      'an origin like https://app.example.com',
    ),
    docsEnabled: r.bool('WAYBILL_DOCS_ENABLED'),
    limits: {
      requestTimeoutMs: r.int('WAYBILL_REQUEST_TIMEOUT_MS'),
      headersTimeoutMs: r.int('WAYBILL_HEADERS_TIMEOUT_MS'),
      idleTimeoutMs: r.int('WAYBILL_IDLE_TIMEOUT_MS'),
      keepAliveTimeoutMs: r.int('WAYBILL_KEEP_ALIVE_TIMEOUT_MS'),
      maxConnections: r.int('WAYBILL_MAX_CONNECTIONS'),
      maxRequestsPerSocket: r.int('WAYBILL_MAX_REQUESTS_PER_SOCKET'),
    },
    tls: readTls(r, cwd),
    allowInsecure: r.bool('WAYBILL_ALLOW_INSECURE_HTTP'),
  };
  if (http.limits.headersTimeoutMs > http.limits.requestTimeoutMs) {
    r.problem('WAYBILL_HEADERS_TIMEOUT_MS', 'must not be larger than WAYBILL_REQUEST_TIMEOUT_MS');
  }
  if (http.tls === undefined && !http.allowInsecure && !isLoopback(http.host)) {
    r.problem(
      'HOST',
      `is ${JSON.stringify(http.host)}, not loopback: serve HTTPS (WAYBILL_TLS_CERT_FILE, WAYBILL_TLS_KEY_FILE) ` +
        'or set WAYBILL_ALLOW_INSECURE_HTTP=true (e.g. behind a TLS-terminating proxy)',
    );
  }
  const database = readDatabase(r, profile, cwd);
  const adapter = r.oneOf<'fabric-gateway' | 'fabric-network'>('WAYBILL_LEDGER_ADAPTER');
  const ledger = {
    adapter,
    timeouts: {
      evaluateMs: r.int('WAYBILL_EVALUATE_TIMEOUT_MS'),
      endorseMs: r.int('WAYBILL_ENDORSE_TIMEOUT_MS'),
      submitMs: r.int('WAYBILL_SUBMIT_TIMEOUT_MS'),
      commitStatusMs: r.int('WAYBILL_COMMIT_STATUS_TIMEOUT_MS'),
      resendAfterMs: r.int('WAYBILL_COMMIT_RESEND_AFTER_MS'),
    },
    statusWaitMs: r.int('WAYBILL_STATUS_WAIT_MS'),
    minBlockWaitMs: r.int('WAYBILL_MIN_BLOCK_WAIT_MS'),
    ...readTestFault(r, env),
  };
  const retry = {
    maxAttempts: r.int('WAYBILL_RETRY_MAX_ATTEMPTS'),
    baseDelayMs: r.int('WAYBILL_RETRY_BASE_DELAY_MS'),
    maxDelayMs: r.int('WAYBILL_RETRY_MAX_DELAY_MS'),
  };
  if (retry.maxDelayMs < retry.baseDelayMs) {
    problems.push('WAYBILL_RETRY_MAX_DELAY_MS must not be smaller than WAYBILL_RETRY_BASE_DELAY_MS');
  }
  const rateLimit = {
    perSecond: r.int('WAYBILL_RATE_LIMIT_PER_SECOND'),
    burst: r.int('WAYBILL_RATE_LIMIT_BURST'),
    identityPerSecond: r.int('WAYBILL_RATE_LIMIT_IDENTITY_PER_SECOND'),
    identityBurst: r.int('WAYBILL_RATE_LIMIT_IDENTITY_BURST'),
    organizationPerSecond: r.int('WAYBILL_RATE_LIMIT_ORG_PER_SECOND'),
    organizationBurst: r.int('WAYBILL_RATE_LIMIT_ORG_BURST'),
    anonymousPerSecond: r.int('WAYBILL_RATE_LIMIT_ANONYMOUS_PER_SECOND'),
    anonymousBurst: r.int('WAYBILL_RATE_LIMIT_ANONYMOUS_BURST'),
  };
  const config = {
    http,
    database,
    ledger,
    retry,
    rateLimit,
    idempotency: { ttlSeconds: r.int('WAYBILL_IDEMPOTENCY_TTL_SECONDS') },
    auth: { refreshMs: r.int('WAYBILL_AUTH_REFRESH_MS') },
    log: { level: r.oneOf<LogLevel>('WAYBILL_LOG_LEVEL') },
    shutdownTimeoutMs: r.int('WAYBILL_SHUTDOWN_TIMEOUT_MS'),
    personalData: readPersonalData(r, profile, cwd),
    events: readEvents(r, profile, cwd),
  };
  if (profilePath === undefined)
    problems.push('WAYBILL_PROFILE is required: the path of the connection profile');
  if (problems.length > 0 || profile === undefined || profilePath === undefined)
    throw new ConfigError(problems);
  return { profilePath: resolve(cwd, profilePath), profile, ...config };
}

function readEvents(r: Reader, profile: ConnectionProfile | undefined, cwd: string): EventsConfig {
  const identity = r.string('WAYBILL_EVENTS_IDENTITY') ?? profile?.identities[0]?.id ?? '';
  if (profile && !profile.identities.some((i) => i.id === identity)) {
    r.problem(
      'WAYBILL_EVENTS_IDENTITY',
      `names no identity of the connection profile (got ${JSON.stringify(identity)})`,
    );
  }
  const traders = (profile?.identities ?? []).filter((i) => SALE_ROLES.includes(i.role));
  const termsPurgeIdentity = r.string('WAYBILL_TERMS_PURGE_IDENTITY') ?? traders[0]?.id;
  if (profile && termsPurgeIdentity !== undefined && !traders.some((i) => i.id === termsPurgeIdentity)) {
    r.problem(
      'WAYBILL_TERMS_PURGE_IDENTITY',
      `must name an identity of the profile with role ${SALE_ROLES.join(' or ')} (got ${JSON.stringify(termsPurgeIdentity)})`,
    );
  }
  const webhooks = {
    timeoutMs: r.int('WAYBILL_WEBHOOK_TIMEOUT_MS'),
    maxAttempts: r.int('WAYBILL_WEBHOOK_MAX_ATTEMPTS'),
    retryBaseDelayMs: r.int('WAYBILL_WEBHOOK_RETRY_BASE_MS'),
    retryMaxDelayMs: r.int('WAYBILL_WEBHOOK_RETRY_MAX_MS'),
    concurrency: r.int('WAYBILL_WEBHOOK_CONCURRENCY'),
    maxSubscriptions: r.int('WAYBILL_WEBHOOK_MAX_SUBSCRIPTIONS'),
    allowedNetworks: r.list(
      'WAYBILL_WEBHOOK_ALLOWED_NETWORKS',
      (item) => parseNetwork(item) !== undefined,
      'an address or CIDR range like 127.0.0.1/32 or fd00::/8',
    ),
  };
  if (webhooks.retryMaxDelayMs < webhooks.retryBaseDelayMs) {
    r.problem('WAYBILL_WEBHOOK_RETRY_MAX_MS', 'must not be smaller than WAYBILL_WEBHOOK_RETRY_BASE_MS');
  }
  const sinks = {
    list: parseSinks(r.string('WAYBILL_SINKS'), (m) => r.problem('WAYBILL_SINKS', m)),
    maxAttempts: r.int('WAYBILL_SINK_MAX_ATTEMPTS'),
    retryBaseDelayMs: r.int('WAYBILL_SINK_RETRY_BASE_MS'),
    retryMaxDelayMs: r.int('WAYBILL_SINK_RETRY_MAX_MS'),
    batchSize: r.int('WAYBILL_SINK_BATCH'),
  };
  if (sinks.retryMaxDelayMs < sinks.retryBaseDelayMs) {
    r.problem('WAYBILL_SINK_RETRY_MAX_MS', 'must not be smaller than WAYBILL_SINK_RETRY_BASE_MS');
  }
  const apiUrl = r.string('WAYBILL_FUNCTIONS_API_URL');
  if (apiUrl !== undefined && !/^https?:\/\/[^\s]+$/.test(apiUrl)) {
    r.problem('WAYBILL_FUNCTIONS_API_URL', 'must be an http(s) URL');
  }
  const functions = {
    files: (r.string('WAYBILL_FUNCTIONS') ?? '')
      .split(',')
      .map((f) => f.trim())
      .filter((f) => f !== '')
      .map((f) => resolve(cwd, f)),
    apiUrl,
  };
  return {
    network: r.string('WAYBILL_EVENTS_NETWORK') ?? 'waybill',
    sinks,
    functions,
    enabled: r.bool('WAYBILL_EVENTS_ENABLED'),
    identity,
    startBlock: r.int('WAYBILL_EVENTS_START_BLOCK'),
    reconnectMaxDelayMs: r.int('WAYBILL_EVENTS_RECONNECT_MAX_MS'),
    leaderRetryMs: r.int('WAYBILL_EVENTS_LEADER_RETRY_MS'),
    ...(termsPurgeIdentity !== undefined ? { termsPurgeIdentity } : {}),
    streams: {
      maxPerKey: r.int('WAYBILL_SSE_MAX_STREAMS_PER_KEY'),
      maxPerProcess: r.int('WAYBILL_SSE_MAX_STREAMS'),
      maxLifeMs: r.int('WAYBILL_SSE_MAX_LIFE_MS'),
    },
    webhooks,
  };
}

function readTls(r: Reader, cwd: string): { cert: Buffer; key: Buffer } | undefined {
  const certFile = r.string('WAYBILL_TLS_CERT_FILE');
  const keyFile = r.string('WAYBILL_TLS_KEY_FILE');
  if (certFile === undefined && keyFile === undefined) return undefined;
  if (certFile === undefined || keyFile === undefined) {
    r.problem(certFile === undefined ? 'WAYBILL_TLS_CERT_FILE' : 'WAYBILL_TLS_KEY_FILE', 'is needed too: give both TLS files');
    return undefined;
  }
  const read = (name: ConfigVariable, file: string, privateKey: boolean): Buffer | undefined => {
    const path = resolve(cwd, file);
    try {
      if (privateKey && (statSync(path).mode & 0o077) !== 0) {
        r.problem(name, `${path} is readable by group or others (chmod 600 it)`);
      }
      const pem = readFileSync(path);
      if (!pem.toString('utf8').includes('-----BEGIN ')) {
        r.problem(name, `${path} is not a PEM file`);
        return undefined;
      }
      return pem;
    } catch {
      r.problem(name, `${path} cannot be read`);
      return undefined;
    }
  };
  const cert = read('WAYBILL_TLS_CERT_FILE', certFile, false);
  const key = read('WAYBILL_TLS_KEY_FILE', keyFile, true);
  return cert && key ? { cert, key } : undefined;
}

/** `localhost` or an address in 127.0.0.0/8 or ::1. */
export function isLoopback(host: string): boolean {
  if (host === 'localhost') return true;
  const network = parseNetwork(host);
  return network !== undefined && (network.family === 4 ? host.startsWith('127.') : host === '::1' || host === '[::1]');
}

/** An address or CIDR range as `net.BlockList` takes it; undefined when malformed. */
export function parseNetwork(
  text: string,
): { readonly address: string; readonly prefix: number; readonly family: 4 | 6 } | undefined {
  const [address = '', prefixText, extra] = text.replace(/^\[|\](?=\/|$)/g, '').split('/');
  if (extra !== undefined) return undefined;
  const family = isIP(address);
  if (family !== 4 && family !== 6) return undefined;
  const max = family === 4 ? 32 : 128;
  if (prefixText !== undefined && !/^\d{1,3}$/.test(prefixText)) return undefined;
  const prefix = prefixText === undefined ? max : Number(prefixText);
  if (prefix > max) return undefined;
  return { address, prefix, family };
}

function readDatabase(r: Reader, profile: ConnectionProfile | undefined, cwd: string): DatabaseConfig {
  const poolSize = r.int('WAYBILL_DATABASE_POOL_SIZE');
  const raw = r.string('DATABASE_URL');
  if (raw === undefined) {
    const org = (profile?.organization ?? 'gateway').toLowerCase().replace(/[^a-z0-9-]+/g, '-');
    return { kind: 'sqlite', path: resolve(cwd, '.data', `gateway-${org}.sqlite`) };
  }
  if (/^postgres(ql)?:\/\//.test(raw)) {
    try {
      new URL(raw);
    } catch {
      r.problem('DATABASE_URL', 'is not a valid postgres:// URL');
    }
    return { kind: 'postgres', url: raw, poolSize };
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(raw) && !raw.startsWith('sqlite:')) {
    r.problem('DATABASE_URL', 'must be postgres://…, sqlite:<path> or a file path');
  }
  const path = raw.startsWith('sqlite:') ? raw.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '') : raw;
  if (path === '') r.problem('DATABASE_URL', 'has an empty SQLite path');
  if (path === ':memory:') return { kind: 'sqlite', path };
  return { kind: 'sqlite', path: isAbsolute(path) ? path : resolve(cwd, path) };
}

const ROLE_NAMES: readonly Role[] = ALL_ROLES;
const DURATION_UNITS: Readonly<Record<string, number>> = { s: 1000, m: 60_000, h: 3_600_000, d: DAY_MS };

// Never runs without a key: a missing, short or unreadable KEK is a configuration error, and
// messages name the variable, never the key's bytes.
function readPersonalData(
  r: Reader,
  profile: ConnectionProfile | undefined,
  cwd: string,
): PersonalDataConfig {
  const inline = r.string('WAYBILL_PD_KEK');
  const file = r.string('WAYBILL_PD_KEK_FILE');
  let kek: Buffer | undefined;
  let kekFile: string | undefined;
  const filePrevious: Buffer[] = [];
  if (inline !== undefined && file !== undefined) {
    r.problem('WAYBILL_PD_KEK', 'and WAYBILL_PD_KEK_FILE are both set: give one');
  } else if (inline !== undefined) {
    kek = decodeKey(r, 'WAYBILL_PD_KEK', inline);
  } else if (file !== undefined) {
    const path = resolve(cwd, file);
    try {
      const mode = statSync(path).mode & 0o077;
      if (mode !== 0)
        r.problem('WAYBILL_PD_KEK_FILE', `${path} is readable by group or others (chmod 600 it)`);
      // One key per line: the current one first; a KEK rotation in progress keeps the previous
      // one on the next line until every data key is rewrapped (see kek-rotation.ts).
      const [first, ...rest] = readFileSync(path, 'utf8')
        .split('\n')
        .map((l) => l.trim())
        .filter((l) => l !== '');
      kek = decodeKey(r, 'WAYBILL_PD_KEK_FILE', first ?? '');
      for (const [i, line] of rest.entries()) {
        const previous = decodeKey(r, 'WAYBILL_PD_KEK_FILE', line, `line ${i + 2}`);
        if (previous) filePrevious.push(previous);
      }
      kekFile = path;
    } catch {
      r.problem('WAYBILL_PD_KEK_FILE', `${path} cannot be read`);
    }
  } else {
    r.problem(
      'WAYBILL_PD_KEK',
      'is required (or WAYBILL_PD_KEK_FILE): the 32-byte key-encryption key of personal data, in base64 ' +
        '(e.g. `openssl rand -base64 32`); the gateway never stores personal data unencrypted',
    );
  }
  const previousKeks = r
    .list('WAYBILL_PD_PREVIOUS_KEKS', () => true, '')
    .map((k, i) => decodeKey(r, 'WAYBILL_PD_PREVIOUS_KEKS', k, `entry ${i + 1}`))
    .filter((k): k is Buffer => k !== undefined)
    .concat(filePrevious);
  const kekRotationIntervalMs = r.int('WAYBILL_PD_KEK_ROTATION_INTERVAL_MS');
  if (kekRotationIntervalMs > 0 && inline !== undefined) {
    r.problem(
      'WAYBILL_PD_KEK_ROTATION_INTERVAL_MS',
      'needs the KEK in WAYBILL_PD_KEK_FILE (a scheduled rotation writes the new key there), not in WAYBILL_PD_KEK',
    );
  }

  const readRoles = { ...DEFAULT_READ_ROLES };
  for (const [category, value] of r.pairs('WAYBILL_PD_READ_ROLES')) {
    const roles = value
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '');
    const bad = roles.filter((role) => !(ROLE_NAMES as readonly string[]).includes(role));
    if (bad.length > 0 || roles.length === 0) {
      r.problem('WAYBILL_PD_READ_ROLES', `${category} needs roles among ${ROLE_NAMES.join(', ')}`);
    } else if (isPdCategory(r, 'WAYBILL_PD_READ_ROLES', category)) {
      readRoles[category] = roles as Role[];
    }
  }
  const retentionMs = { ...DEFAULT_RETENTION_MS };
  for (const [category, value] of r.pairs('WAYBILL_PD_RETENTION')) {
    const m = /^(\d{1,7})([smhd])$/.exec(value);
    const ms = m?.[1] !== undefined && m[2] !== undefined ? Number(m[1]) * (DURATION_UNITS[m[2]] ?? 0) : 0;
    if (ms <= 0) {
      r.problem('WAYBILL_PD_RETENTION', `${category} needs a positive duration like 90d, 12h, 30m or 45s`);
    } else if (isPdCategory(r, 'WAYBILL_PD_RETENTION', category)) {
      retentionMs[category] = ms;
    }
  }
  // The chaincode lets these roles erase references their organisation controls; admin first.
  const writers = ['admin', 'manufacturer', 'carrier', 'retailer'];
  const candidates = [...(profile?.identities ?? [])]
    .filter((i) => writers.includes(i.role))
    .sort((a, b) => writers.indexOf(a.role) - writers.indexOf(b.role));
  const systemIdentity = r.string('WAYBILL_PD_SYSTEM_IDENTITY') ?? candidates[0]?.id ?? '';
  if (profile !== undefined && !candidates.some((i) => i.id === systemIdentity)) {
    r.problem(
      'WAYBILL_PD_SYSTEM_IDENTITY',
      systemIdentity === ''
        ? 'is needed: the profile has no identity that may erase personal-data references (admin, manufacturer, carrier, retailer)'
        : `must name an identity of the profile with role ${writers.join(', ')} (got ${JSON.stringify(systemIdentity)})`,
    );
  }
  return {
    kek: kek ?? Buffer.alloc(0),
    previousKeks,
    ...(kekFile === undefined ? {} : { kekFile }),
    kekRotationIntervalMs,
    readRoles,
    retentionMs,
    retentionIntervalMs: r.int('WAYBILL_PD_RETENTION_INTERVAL_MS'),
    settleIntervalMs: r.int('WAYBILL_PD_SETTLE_INTERVAL_MS'),
    systemIdentity,
  };
}

function decodeKey(r: Reader, name: ConfigVariable, text: string, which = ''): Buffer | undefined {
  const where = which === '' ? '' : ` (${which})`;
  if (!/^[A-Za-z0-9+/]+={0,2}$|^[A-Za-z0-9_-]+$/.test(text)) {
    r.problem(name, `must be base64${where}`);
    return undefined;
  }
  const key = Buffer.from(text, text.includes('-') || text.includes('_') ? 'base64url' : 'base64');
  if (key.length !== 32) {
    r.problem(name, `must decode to 32 bytes${where}, got ${key.length}`);
    return undefined;
  }
  return key;
}

function isPdCategory(r: Reader, name: ConfigVariable, category: string): category is PersonalDataCategory {
  if ((PERSONAL_DATA_CATEGORIES as readonly string[]).includes(category)) return true;
  r.problem(
    name,
    `has unknown category ${JSON.stringify(category)}; categories: ${PERSONAL_DATA_CATEGORIES.join(', ')}`,
  );
  return false;
}

function mergeFileSource(env: ConfigSource, cwd: string, problems: string[]): ConfigSource {
  const file = env.WAYBILL_CONFIG_FILE;
  if (file === undefined || file === '') return env;
  let entries: unknown;
  try {
    entries = JSON.parse(readFileSync(resolve(cwd, file), 'utf8'));
  } catch {
    problems.push(`WAYBILL_CONFIG_FILE ${file} cannot be read as JSON`);
    return env;
  }
  if (typeof entries !== 'object' || entries === null || Array.isArray(entries)) {
    problems.push(`WAYBILL_CONFIG_FILE ${file} must hold a JSON object of variable → value`);
    return env;
  }
  const fromFile: Record<string, string> = {};
  for (const [key, value] of Object.entries(entries)) {
    if (!(key in CONFIG_TABLE) || key === 'WAYBILL_CONFIG_FILE') {
      problems.push(`WAYBILL_CONFIG_FILE ${file}: unknown variable ${key}`);
    } else if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
      fromFile[key] = String(value);
    } else {
      problems.push(`WAYBILL_CONFIG_FILE ${file}: ${key} must be a string, number or boolean`);
    }
  }
  const merged: Record<string, string | undefined> = { ...fromFile };
  for (const [key, value] of Object.entries(env)) if (value !== undefined) merged[key] = value;
  return merged;
}

/**
 * The crash tests' fault hook. It can never be switched on by a deployment's configuration file,
 * and not without `NODE_ENV=test` in the process environment: a gateway started otherwise with it
 * stops at start with a configuration error.
 */
function readTestFault(r: Reader, env: ConfigSource): { testFault?: { killAfterSubmit: string } } {
  const value = r.string('WAYBILL_TEST_FAULT');
  if (value === undefined) return {};
  if (env.WAYBILL_TEST_FAULT?.trim() !== value) {
    r.problem('WAYBILL_TEST_FAULT', 'is accepted only from the environment, never from the config file');
    return {};
  }
  if (env.NODE_ENV !== 'test') {
    r.problem('WAYBILL_TEST_FAULT', 'is a test-only fault hook: refused unless NODE_ENV=test');
    return {};
  }
  const match = /^kill-after-submit:([A-Za-z][A-Za-z0-9]{0,63})$/.exec(value);
  if (!match?.[1]) {
    r.problem('WAYBILL_TEST_FAULT', `must be kill-after-submit:<transaction> (got ${JSON.stringify(value)})`);
    return {};
  }
  return { testFault: { killAfterSubmit: match[1] } };
}

class Reader {
  constructor(
    private readonly source: ConfigSource,
    private readonly problems: string[],
  ) {}

  problem(name: ConfigVariable, message: string): void {
    this.problems.push(`${name} ${message}`);
  }

  string(name: ConfigVariable): string | undefined {
    const v = this.source[name]?.trim();
    return v === undefined || v === '' ? undefined : v;
  }

  int(name: ConfigVariable): number {
    const { default: fallback, min, max } = spec(name);
    if (typeof fallback !== 'number' || min === undefined || max === undefined)
      throw new Error(`${name} is not an integer variable`);
    const v = this.string(name);
    if (v === undefined) return fallback;
    if (!/^\d+$/.test(v) || Number(v) < min || Number(v) > max) {
      this.problem(name, `must be an integer between ${min} and ${max} (got ${JSON.stringify(v)})`);
      return fallback;
    }
    return Number(v);
  }

  bool(name: ConfigVariable): boolean {
    const fallback = spec(name).default;
    if (typeof fallback !== 'boolean') throw new Error(`${name} is not a boolean variable`);
    const v = this.string(name)?.toLowerCase();
    if (v === undefined) return fallback;
    if (['true', '1', 'yes'].includes(v)) return true;
    if (['false', '0', 'no'].includes(v)) return false;
    this.problem(name, `must be true or false (got ${JSON.stringify(v)})`);
    return fallback;
  }

  oneOf<T extends string>(name: ConfigVariable): T {
    const { values, default: fallback } = spec(name);
    if (values === undefined || typeof fallback !== 'string')
      throw new Error(`${name} is not an enumeration`);
    const allowed = values as readonly T[];
    const v = this.string(name);
    if (v === undefined) return fallback as T;
    if ((allowed as readonly string[]).includes(v)) return v as T;
    this.problem(name, `must be one of ${allowed.join(', ')} (got ${JSON.stringify(v)})`);
    return fallback as T;
  }

  /** `key=value;key=value` pairs; a malformed pair is reported. */
  pairs(name: ConfigVariable): [string, string][] {
    const v = this.string(name);
    if (v === undefined) return [];
    const out: [string, string][] = [];
    for (const item of v
      .split(';')
      .map((s) => s.trim())
      .filter((s) => s !== '')) {
      const eq = item.indexOf('=');
      if (eq <= 0) this.problem(name, `has ${JSON.stringify(item)}, expected category=value`);
      else out.push([item.slice(0, eq).trim(), item.slice(eq + 1).trim()]);
    }
    return out;
  }

  list(name: ConfigVariable, valid: (item: string) => boolean, expected: string): string[] {
    const v = this.string(name);
    if (v === undefined) return [];
    const items = v
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '');
    for (const item of items)
      if (!valid(item)) this.problem(name, `has ${JSON.stringify(item)}, expected ${expected}`);
    return items;
  }
}

function spec(name: ConfigVariable): VariableSpec {
  return CONFIG_TABLE[name];
}
