import type { Database, SqlExecutor } from './database';

/**
 * One schema change. `up` statements use the SQL both SQLite and PostgreSQL accept (TEXT, INTEGER,
 * BIGINT epoch milliseconds, no booleans); a migration that needs dialect-specific DDL gives both.
 */
export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly up:
    readonly string[] | { readonly sqlite: readonly string[]; readonly postgres: readonly string[] };
}

// Version 2 (personal data). Values, salts and data keys are only ever stored sealed (AES-256-GCM):
// `pd_subjects.wrapped_key` under a key-encryption key from configuration, `pd_records.sealed`
// under the subject's data key. The access log holds ids, never values.
function personalDataTables(): string[] {
  return [
    `CREATE TABLE pd_subjects (
       subject_id TEXT PRIMARY KEY,
       wrapped_key TEXT NOT NULL,
       kek_id TEXT NOT NULL,
       created_at BIGINT NOT NULL
     )`,
    'CREATE INDEX pd_subjects_kek_id ON pd_subjects (kek_id)',
    `CREATE TABLE pd_records (
       ref TEXT PRIMARY KEY,
       subject_id TEXT NOT NULL REFERENCES pd_subjects (subject_id),
       asset_id TEXT NOT NULL,
       category TEXT NOT NULL,
       sealed TEXT NOT NULL,
       commitment TEXT NOT NULL,
       version INTEGER NOT NULL,
       created_at BIGINT NOT NULL,
       updated_at BIGINT NOT NULL,
       expires_at BIGINT NOT NULL,
       pending_sealed TEXT,
       pending_commitment TEXT,
       pending_since BIGINT
     )`,
    'CREATE INDEX pd_records_subject_id ON pd_records (subject_id)',
    'CREATE INDEX pd_records_expires_at ON pd_records (expires_at)',
    `CREATE TABLE pd_ledger_erasures (
       ref TEXT PRIMARY KEY,
       asset_id TEXT NOT NULL,
       requested_at BIGINT NOT NULL,
       attempts INTEGER NOT NULL,
       done_at BIGINT,
       tx_id TEXT,
       outcome TEXT
     )`,
  ];
}

const ACCESS_LOG_COLUMNS = `at BIGINT NOT NULL,
           actor_key_id TEXT NOT NULL,
           actor_identity TEXT NOT NULL,
           actor_role TEXT NOT NULL,
           action TEXT NOT NULL,
           purpose TEXT NOT NULL,
           subject_id TEXT,
           ref TEXT,
           asset_id TEXT,
           category TEXT,
           outcome TEXT NOT NULL`;

/** The gateway's migrations, in order. Append only: never edit one that has shipped. */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'api keys, idempotency records, submitted transactions',
    up: [
      `CREATE TABLE api_keys (
         key_id TEXT PRIMARY KEY,
         name TEXT NOT NULL,
         identity_id TEXT NOT NULL,
         role TEXT NOT NULL,
         secret_sha256 TEXT NOT NULL,
         created_at BIGINT NOT NULL,
         revoked_at BIGINT
       )`,
      `CREATE TABLE idempotency_keys (
         client_id TEXT NOT NULL,
         idempotency_key TEXT NOT NULL,
         request_hash TEXT NOT NULL,
         state TEXT NOT NULL,
         status_code INTEGER,
         response_headers TEXT,
         response_body TEXT,
         tx_id TEXT,
         created_at BIGINT NOT NULL,
         expires_at BIGINT NOT NULL,
         PRIMARY KEY (client_id, idempotency_key)
       )`,
      'CREATE INDEX idempotency_keys_expires_at ON idempotency_keys (expires_at)',
      `CREATE TABLE submitted_transactions (
         tx_id TEXT PRIMARY KEY,
         client_id TEXT NOT NULL,
         transaction_name TEXT NOT NULL,
         submitted_at BIGINT NOT NULL
       )`,
      'CREATE INDEX submitted_transactions_submitted_at ON submitted_transactions (submitted_at)',
    ],
  },
  {
    version: 2,
    name: 'personal data: subjects (wrapped data keys), sealed records, ledger erasures, access log',
    up: {
      sqlite: [
        ...personalDataTables(),
        `CREATE TABLE pd_access_log (
           seq INTEGER PRIMARY KEY AUTOINCREMENT,
           ${ACCESS_LOG_COLUMNS}
         )`,
        'CREATE INDEX pd_access_log_subject ON pd_access_log (subject_id)',
      ],
      postgres: [
        ...personalDataTables(),
        `CREATE TABLE pd_access_log (
           seq BIGSERIAL PRIMARY KEY,
           ${ACCESS_LOG_COLUMNS}
         )`,
        'CREATE INDEX pd_access_log_subject ON pd_access_log (subject_id)',
      ],
    },
  },
  {
    // Self-contained: touches no table of another migration (version 2 is personal data).
    version: 3,
    name: 'ledger events, checkpoints, webhook subscriptions and deliveries, asset projection',
    up: [
      // seq: the gateway's own gap-free order of events (ledger order); assigned by the one reader.
      `CREATE TABLE ledger_events (
         seq BIGINT PRIMARY KEY,
         event_id TEXT NOT NULL UNIQUE,
         block_number BIGINT NOT NULL,
         tx_id TEXT NOT NULL,
         event_name TEXT NOT NULL,
         asset_id TEXT NOT NULL,
         asset_ids TEXT NOT NULL,
         tx_timestamp BIGINT NOT NULL,
         payload TEXT NOT NULL,
         stored_at BIGINT NOT NULL
       )`,
      'CREATE INDEX ledger_events_block ON ledger_events (block_number)',
      'CREATE INDEX ledger_events_name ON ledger_events (event_name, seq)',
      `CREATE TABLE ledger_event_assets (
         asset_id TEXT NOT NULL,
         seq BIGINT NOT NULL,
         PRIMARY KEY (asset_id, seq)
       )`,
      // name 'reader': last block whose events are all stored; 'projection': last event seq applied.
      `CREATE TABLE event_checkpoints (
         name TEXT PRIMARY KEY,
         position BIGINT NOT NULL,
         updated_at BIGINT NOT NULL
       )`,
      `CREATE TABLE webhook_subscriptions (
         id TEXT PRIMARY KEY,
         url TEXT NOT NULL,
         secret TEXT NOT NULL,
         event_names TEXT,
         asset_id TEXT,
         max_attempts INTEGER,
         last_event_seq BIGINT NOT NULL,
         created_by TEXT NOT NULL,
         created_at BIGINT NOT NULL,
         deleted_at BIGINT
       )`,
      `CREATE TABLE webhook_deliveries (
         id TEXT PRIMARY KEY,
         subscription_id TEXT NOT NULL,
         event_seq BIGINT NOT NULL,
         event_id TEXT NOT NULL,
         order_key TEXT NOT NULL,
         state TEXT NOT NULL,
         attempts INTEGER NOT NULL,
         round_attempts INTEGER NOT NULL,
         next_attempt_at BIGINT NOT NULL,
         last_status INTEGER,
         last_error TEXT,
         created_at BIGINT NOT NULL,
         updated_at BIGINT NOT NULL,
         delivered_at BIGINT,
         UNIQUE (subscription_id, event_seq)
       )`,
      'CREATE INDEX webhook_deliveries_queue ON webhook_deliveries (subscription_id, state, event_seq)',
      `CREATE TABLE webhook_attempts (
         delivery_id TEXT NOT NULL,
         attempt INTEGER NOT NULL,
         started_at BIGINT NOT NULL,
         duration_ms INTEGER NOT NULL,
         status_code INTEGER,
         error TEXT,
         PRIMARY KEY (delivery_id, attempt)
       )`,
      `CREATE TABLE asset_projection (
         asset_id TEXT PRIMARY KEY,
         sku TEXT NOT NULL,
         search_text TEXT NOT NULL,
         owner TEXT NOT NULL,
         custodian TEXT NOT NULL,
         status TEXT NOT NULL,
         created_at BIGINT NOT NULL,
         updated_at BIGINT NOT NULL,
         updated_tx_id TEXT NOT NULL,
         event_seq BIGINT NOT NULL,
         document TEXT NOT NULL
       )`,
      'CREATE INDEX asset_projection_owner ON asset_projection (owner)',
      'CREATE INDEX asset_projection_custodian ON asset_projection (custodian)',
      'CREATE INDEX asset_projection_status ON asset_projection (status)',
      'CREATE INDEX asset_projection_sku ON asset_projection (sku)',
      'CREATE INDEX asset_projection_created_at ON asset_projection (created_at)',
      'CREATE INDEX asset_projection_updated_at ON asset_projection (updated_at)',
    ],
  },
  {
    // Webhook secrets were stored in clear by version 3: they are now sealed under the gateway's
    // key-encryption key (the personal-data KEK). NULL marks a row still in clear; `pd rewrap` seals it.
    version: 4,
    name: 'webhook secrets sealed under the key-encryption key',
    up: ['ALTER TABLE webhook_subscriptions ADD COLUMN secret_kek_id TEXT'],
  },
  {
    // API keys may expire (NULL: never); a rotation sets the old key's expiry to the end of its grace.
    version: 5,
    name: 'api key expiry',
    up: ['ALTER TABLE api_keys ADD COLUMN expires_at BIGINT'],
  },
  {
    // Self-contained: new columns with defaults and new tables only.
    version: 6,
    name: 'webhook envelope and signature schemes; integration cursors, dead letters and invocations',
    up: [
      "ALTER TABLE webhook_subscriptions ADD COLUMN format TEXT NOT NULL DEFAULT 'waybill'",
      `ALTER TABLE webhook_subscriptions ADD COLUMN signatures TEXT NOT NULL DEFAULT '["waybill"]'`,
      // One durable position per sink or function (its own cursor in ledger_events).
      `CREATE TABLE integration_cursors (
         name TEXT PRIMARY KEY,
         last_event_seq BIGINT NOT NULL,
         updated_at BIGINT NOT NULL
       )`,
      `CREATE TABLE integration_dead_letters (
         name TEXT NOT NULL,
         event_seq BIGINT NOT NULL,
         event_id TEXT NOT NULL,
         attempts INTEGER NOT NULL,
         error TEXT NOT NULL,
         created_at BIGINT NOT NULL,
         PRIMARY KEY (name, event_seq)
       )`,
      // A function's invocations by event: the idempotency record of the runner.
      `CREATE TABLE function_invocations (
         function_name TEXT NOT NULL,
         event_id TEXT NOT NULL,
         event_seq BIGINT NOT NULL,
         state TEXT NOT NULL,
         attempts INTEGER NOT NULL,
         result TEXT,
         error TEXT,
         updated_at BIGINT NOT NULL,
         PRIMARY KEY (function_name, event_id)
       )`,
    ],
  },
  {
    // Crash safety (docs/privacy.md, "Unknown outcomes"): the processes sharing this database and
    // their heartbeats; an idempotency record keeps its owner and the transaction ID it submitted;
    // a personal-data record whose first ledger write has no known outcome yet is "unsettled" with
    // that write's transaction ID, and a staged rectification keeps its own.
    version: 7,
    name: 'gateway instances, transaction IDs of unfinished writes',
    up: [
      `CREATE TABLE gateway_instances (
         instance_id TEXT PRIMARY KEY,
         started_at BIGINT NOT NULL,
         seen_at BIGINT NOT NULL
       )`,
      'ALTER TABLE idempotency_keys ADD COLUMN owner TEXT',
      'ALTER TABLE idempotency_keys ADD COLUMN submitted_at BIGINT',
      'ALTER TABLE pd_records ADD COLUMN unsettled_since BIGINT',
      'ALTER TABLE pd_records ADD COLUMN unsettled_tx_id TEXT',
      'ALTER TABLE pd_records ADD COLUMN owner TEXT',
      'ALTER TABLE pd_records ADD COLUMN pending_tx_id TEXT',
      'ALTER TABLE pd_records ADD COLUMN pending_owner TEXT',
      'CREATE INDEX pd_records_unsettled_since ON pd_records (unsettled_since)',
      'CREATE INDEX pd_records_pending_since ON pd_records (pending_since)',
    ],
  },
  {
    // Key-encryption-key epochs (docs/privacy.md, "Erasure and backups"): when each KEK started to
    // wrap, and when a scheduled rotation destroyed it. Ids only, never key bytes.
    version: 8,
    name: 'key-encryption-key epochs',
    up: [
      `CREATE TABLE pd_kek_epochs (
         kek_id TEXT PRIMARY KEY,
         started_at BIGINT NOT NULL,
         destroyed_at BIGINT
       )`,
    ],
  },
  {
    // The ledger networks this database has followed, one epoch each (docs/migration.md, "Switch
    // the partner API"): a network is its channel and the hash of the channel's genesis block;
    // first_seq is the position of the first event stored from it (its NetworkMigrated event).
    version: 9,
    name: 'ledger network epochs',
    up: [
      `CREATE TABLE ledger_networks (
         epoch INTEGER PRIMARY KEY,
         channel TEXT NOT NULL,
         genesis_hash TEXT NOT NULL,
         first_seq BIGINT NOT NULL,
         since BIGINT NOT NULL
       )`,
    ],
  },
];

/** Arbitrary constant: the PostgreSQL advisory lock that serialises concurrent migrators. */
const MIGRATION_LOCK = 7_262_616_279;

/**
 * Brings the schema up to date, one transaction per run, safe against several processes starting
 * at once (SQLite: `BEGIN IMMEDIATE`; PostgreSQL: an advisory transaction lock).
 * @returns the versions applied by this call.
 * @throws Error when the database holds a version this code does not know (it is newer).
 */
export async function migrate(
  db: Database,
  migrations: readonly Migration[] = MIGRATIONS,
): Promise<number[]> {
  await db.execute(
    'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)',
  );
  return db.transaction(async (tx) => {
    if (db.dialect === 'postgres') await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    const applied = new Set(
      (await tx.query<{ version: number }>('SELECT version FROM schema_migrations')).map((r) =>
        Number(r.version),
      ),
    );
    const known = new Set(migrations.map((m) => m.version));
    const unknown = [...applied].filter((v) => !known.has(v));
    if (unknown.length > 0) {
      throw new Error(
        `the database has schema version(s) ${unknown.join(', ')} unknown to this gateway: it is newer than the code`,
      );
    }
    const done: number[] = [];
    for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
      if (applied.has(m.version)) continue;
      await apply(tx, db.dialect, m);
      done.push(m.version);
    }
    return done;
  });
}

async function apply(tx: SqlExecutor, dialect: Database['dialect'], m: Migration): Promise<void> {
  const up = m.up;
  const statements: readonly string[] = isDialectSpecific(up) ? up[dialect] : up;
  for (const sql of statements) await tx.execute(sql);
  await tx.execute('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [
    m.version,
    m.name,
    Date.now(),
  ]);
}

function isDialectSpecific(
  up: Migration['up'],
): up is { readonly sqlite: readonly string[]; readonly postgres: readonly string[] } {
  return !Array.isArray(up);
}
