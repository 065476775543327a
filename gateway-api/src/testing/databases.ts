import { randomBytes } from 'node:crypto';
import type { Database } from '../database/database';
import { PostgresDatabase } from '../database/postgres.database';
import { SqliteDatabase } from '../database/sqlite.database';

/**
 * The databases a storage test runs against: SQLite and PostgreSQL, the server named by
 * WAYBILL_TEST_DATABASE_URL (`npm test` starts a throw-away one). Leaving PostgreSQL out takes an
 * explicit WAYBILL_TEST_SQLITE_ONLY=1, so it is never dropped silently. Each PostgreSQL database is
 * a fresh schema (test files run in parallel), dropped again by `close()`.
 */
export function testDatabases(): [name: string, open: () => Promise<Database>][] {
  const list: [string, () => Promise<Database>][] = [
    ['sqlite', () => Promise.resolve(new SqliteDatabase(':memory:'))],
  ];
  const url = process.env.WAYBILL_TEST_DATABASE_URL;
  if (url) list.push(['postgres', () => openPostgresSchema(url)]);
  else if (process.env.WAYBILL_TEST_SQLITE_ONLY !== '1') {
    throw new Error(
      'storage tests need PostgreSQL: set WAYBILL_TEST_DATABASE_URL=postgres://… (npm test starts one), ' +
        'or WAYBILL_TEST_SQLITE_ONLY=1 to run them on SQLite only',
    );
  }
  return list;
}

async function openPostgresSchema(url: string): Promise<Database> {
  const schema = await postgresTestSchema(url);
  const db = new PostgresDatabase(schema.url, 4);
  const close = db.close.bind(db);
  return Object.assign(db, {
    close: async () => {
      await close();
      await schema.drop();
    },
  });
}

/** A fresh schema on a PostgreSQL test server. */
export interface PostgresTestSchema {
  /** The server URL with the schema as search path: each `new PostgresDatabase(url)` uses it. */
  readonly url: string;
  /** Drops the schema and everything in it. */
  drop(): Promise<void>;
}

/**
 * Creates a fresh schema on the server at `url`. For tests that connect to one database several
 * times, as several gateway processes would.
 */
export async function postgresTestSchema(url: string): Promise<PostgresTestSchema> {
  const schema = `test_${randomBytes(6).toString('hex')}`;
  const admin = new PostgresDatabase(url, 1);
  await admin.execute(`CREATE SCHEMA ${schema}`);
  const scoped = new URL(url);
  scoped.searchParams.set('options', `-c search_path=${schema}`);
  return {
    url: scoped.toString(),
    drop: async () => {
      await admin.execute(`DROP SCHEMA ${schema} CASCADE`);
      await admin.close();
    },
  };
}
