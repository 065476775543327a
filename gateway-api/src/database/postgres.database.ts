import { Client, Pool, type PoolClient, types } from 'pg';
import type { Database, Row, SqlExecutor, SqlValue } from './database';

const INT8 = 20;
const NUMERIC = 1700;

const asNumber = (value: string): number => Number(value);

// The gateway never asks for binary results, so only text parsers are needed.
function numberTypeParser(oid: number): (value: string) => unknown {
  if (oid === INT8 || oid === NUMERIC) return asNumber;
  // pg-types declares its parsers as `any`; every text parser takes the wire string.
  return types.getTypeParser(oid, 'text') as (value: string) => unknown;
}

/** PostgreSQL through a `pg` connection pool. */
export class PostgresDatabase implements Database {
  readonly dialect = 'postgres';
  readonly #pool: Pool;
  readonly #url: string;

  constructor(url: string, poolSize: number) {
    this.#url = url;
    this.#pool = new Pool({
      connectionString: url,
      max: poolSize,
      // Timestamps are stored as epoch milliseconds (BIGINT): read them as numbers, as SQLite does.
      types: { getTypeParser: numberTypeParser },
    });
    // An idle client losing its connection must not crash the process; the pool replaces it.
    this.#pool.on('error', () => undefined);
  }

  async query<T extends Row = Row>(sql: string, params: readonly SqlValue[] = []): Promise<T[]> {
    return (await this.#pool.query<T>(sql, [...params])).rows;
  }

  async execute(sql: string, params: readonly SqlValue[] = []): Promise<number> {
    return (await this.#pool.query(sql, [...params])).rowCount ?? 0;
  }

  async transaction<T>(work: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    const client: PoolClient = await this.#pool.connect();
    const tx: SqlExecutor = {
      query: async <R extends Row>(sql: string, params: readonly SqlValue[] = []) =>
        (await client.query<R>(sql, [...params])).rows,
      execute: async (sql, params = []) => (await client.query(sql, [...params])).rowCount ?? 0,
    };
    try {
      await client.query('BEGIN');
      const result = await work(tx);
      await client.query('COMMIT');
      return result;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }

  /**
   * A new connection outside the pool, with the pool's settings, for session state that must
   * outlive one query (the event leader's advisory lock). Unconnected: the caller registers its
   * error handler, connects, and ends it.
   */
  session(options: { readonly queryTimeoutMs: number }): Client {
    return new Client({
      connectionString: this.#url,
      types: { getTypeParser: numberTypeParser },
      query_timeout: options.queryTimeoutMs,
      connectionTimeoutMillis: options.queryTimeoutMs,
      keepAlive: true,
    });
  }

  async close(): Promise<void> {
    await this.#pool.end();
  }
}
