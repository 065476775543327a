import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync, type SQLInputValue, type StatementSync } from 'node:sqlite';
import type { Database, Row, SqlExecutor, SqlValue } from './database';

/**
 * SQLite through Node's built-in `node:sqlite` (no native addon). WAL mode lets the admin CLI and
 * the gateway use the same file; a busy timeout absorbs their short write overlaps.
 *
 * `DatabaseSync` runs statements synchronously on one connection, so a transaction that awaits
 * between statements must not interleave with other statements: every call waits its turn.
 */
export class SqliteDatabase implements Database {
  readonly dialect = 'sqlite';
  readonly #db: DatabaseSync;
  readonly #statements = new Map<string, StatementSync>();
  #turn: Promise<unknown> = Promise.resolve();

  /** Opens (and creates) the database file; `:memory:` gives a private in-memory database. */
  constructor(path: string) {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    this.#db = new DatabaseSync(path);
    this.#db.exec('PRAGMA busy_timeout = 5000');
    if (path !== ':memory:') this.#db.exec('PRAGMA journal_mode = WAL');
    this.#db.exec('PRAGMA foreign_keys = ON');
    // Deleted content is overwritten, so erased personal data (sealed) leaves no residue in free pages.
    this.#db.exec('PRAGMA secure_delete = ON');
  }

  query<T extends Row = Row>(sql: string, params: readonly SqlValue[] = []): Promise<T[]> {
    return this.#serialised(() => this.#query<T>(sql, params));
  }

  execute(sql: string, params: readonly SqlValue[] = []): Promise<number> {
    return this.#serialised(() => this.#execute(sql, params));
  }

  transaction<T>(work: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    return this.#serialised(async () => {
      this.#db.exec('BEGIN IMMEDIATE');
      const tx: SqlExecutor = {
        query: <R extends Row>(sql: string, params: readonly SqlValue[] = []) =>
          Promise.resolve(this.#query<R>(sql, params)),
        execute: (sql, params = []) => Promise.resolve(this.#execute(sql, params)),
      };
      try {
        const result = await work(tx);
        this.#db.exec('COMMIT');
        return result;
      } catch (err) {
        this.#db.exec('ROLLBACK');
        throw err;
      }
    });
  }

  close(): Promise<void> {
    return this.#serialised(() => {
      if (this.#db.isOpen) this.#db.close();
    });
  }

  #serialised<T>(work: () => T | Promise<T>): Promise<T> {
    const run = this.#turn.then(work, work);
    this.#turn = run.catch(() => undefined);
    return run;
  }

  #statement(sql: string): StatementSync {
    let statement = this.#statements.get(sql);
    if (!statement) {
      statement = this.#db.prepare(sql.replace(/\$(\d+)/g, '?$1'));
      this.#statements.set(sql, statement);
    }
    return statement;
  }

  #query<T extends Row>(sql: string, params: readonly SqlValue[]): T[] {
    return this.#statement(sql).all(...(params as SQLInputValue[])) as T[];
  }

  #execute(sql: string, params: readonly SqlValue[]): number {
    return Number(this.#statement(sql).run(...(params as SQLInputValue[])).changes);
  }
}
