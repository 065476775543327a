import type { DatabaseConfig } from '../config/config';
import type { Database } from './database';
import { migrate } from './migrations';
import { PostgresDatabase } from './postgres.database';
import { SqliteDatabase } from './sqlite.database';

/**
 * Opens the configured database and applies pending migrations.
 * @throws Error when the database cannot be opened or migrated (the database is closed again).
 */
export async function openDatabase(config: DatabaseConfig): Promise<Database> {
  const db =
    config.kind === 'sqlite'
      ? new SqliteDatabase(config.path)
      : new PostgresDatabase(config.url, config.poolSize);
  try {
    await migrate(db);
    return db;
  } catch (err) {
    await db.close().catch(() => undefined);
    throw err;
  }
}
