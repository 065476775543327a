/** A row as returned by a query: column name → value (numbers, strings, null). */
export type Row = Record<string, unknown>;

/** A value bound to a `$n` placeholder. */
export type SqlValue = string | number | bigint | null | Uint8Array;

/** Runs SQL with `$1, $2…` placeholders (PostgreSQL style; translated for SQLite). */
export interface SqlExecutor {
  /** Runs a statement that returns rows. */
  query<T extends Row = Row>(sql: string, params?: readonly SqlValue[]): Promise<T[]>;
  /** Runs a statement and returns the number of rows it changed. */
  execute(sql: string, params?: readonly SqlValue[]): Promise<number>;
}

/**
 * The gateway's own database: SQLite (default, embedded) or PostgreSQL. Both run the same schema
 * and migrations (`migrations.ts`); SQL is written in the subset both understand.
 */
export interface Database extends SqlExecutor {
  readonly dialect: 'sqlite' | 'postgres';
  /** Runs `work` in one transaction: committed when it resolves, rolled back when it rejects. */
  transaction<T>(work: (tx: SqlExecutor) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** Injection token of the {@link Database}. */
export const DATABASE = Symbol('DATABASE');
