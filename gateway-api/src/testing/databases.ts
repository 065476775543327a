import { randomBytes } from 'node:crypto';
import type { Database } from '../database/database';
import { PostgresDatabase } from '../database/postgres.database';
import { SqliteDatabase } from '../database/sqlite.database';

/**
 * The databases a storage test runs against: SQLite always, PostgreSQL when
 * WAYBILL_TEST_DATABASE_URL names a server. Each PostgreSQL database is a fresh schema (test
 * files run in parallel), dropped again by `close()`.
 */
export function testDatabases(): [name: string, open: () => Promise<Database>][] {
  const list: [string, () => Promise<Database>][] = [
    ['sqlite', () => Promise.resolve(new SqliteDatabase(':memory:'))],
  ];
  const url = process.env.WAYBILL_TEST_DATABASE_URL;
  if (url) list.push(['postgres', () => openPostgresSchema(url)]);
  return list;
}

async function openPostgresSchema(url: string): Promise<Database> {
  const schema = `test_${randomBytes(6).toString('hex')}`;
  const admin = new PostgresDatabase(url, 1);
  await admin.execute(`CREATE SCHEMA ${schema}`);
  const scoped = new URL(url);
  scoped.searchParams.set('options', `-c search_path=${schema}`);
  const db = new PostgresDatabase(scoped.toString(), 4);
  const close = db.close.bind(db);
  return Object.assign(db, {
    close: async () => {
      await close();
      await admin.execute(`DROP SCHEMA ${schema} CASCADE`);
      await admin.close();
    },
  });
}
