import type { Database } from '../database/database';

/** A response as it was first sent. */
export interface StoredResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: unknown;
}

/** What to do with a request that carries an Idempotency-Key. */
export type IdempotencyDecision =
  | { readonly kind: 'proceed' }
  | { readonly kind: 'replay'; readonly response: StoredResponse }
  | { readonly kind: 'mismatch' }
  | { readonly kind: 'in-progress' };

interface Row extends Record<string, unknown> {
  request_hash: string;
  state: string;
  status_code: number | null;
  response_headers: string | null;
  response_body: string | null;
  created_at: number;
  expires_at: number;
}

/** Options of {@link IdempotencyStore}. */
export interface IdempotencyOptions {
  /** How long a key is remembered. */
  readonly ttlMs: number;
  /** An in-progress record older than this belongs to a request that died: it may be taken over. */
  readonly staleAfterMs: number;
  readonly now?: () => number;
}

/**
 * Idempotency records, one per (client, key): the request's hash while it runs, then its response.
 * Uses single atomic statements rather than transactions, so that it works the same on SQLite and
 * PostgreSQL and two racing requests with one key cannot both proceed.
 */
export class IdempotencyStore {
  constructor(
    private readonly db: Database,
    private readonly options: IdempotencyOptions,
  ) {}

  /** Claims the key for this request, or says why not. */
  async begin(clientId: string, key: string, requestHash: string): Promise<IdempotencyDecision> {
    const now = this.#now();
    await this.db.execute(
      'DELETE FROM idempotency_keys WHERE client_id = $1 AND idempotency_key = $2 AND expires_at <= $3',
      [clientId, key, now],
    );
    const inserted = await this.db.execute(
      `INSERT INTO idempotency_keys (client_id, idempotency_key, request_hash, state, created_at, expires_at)
       VALUES ($1, $2, $3, 'in_progress', $4, $5) ON CONFLICT (client_id, idempotency_key) DO NOTHING`,
      [clientId, key, requestHash, now, now + this.options.ttlMs],
    );
    if (inserted === 1) return { kind: 'proceed' };

    const row = (
      await this.db.query<Row>(
        'SELECT * FROM idempotency_keys WHERE client_id = $1 AND idempotency_key = $2',
        [clientId, key],
      )
    )[0];
    if (!row) return this.begin(clientId, key, requestHash); // purged in between: try again
    if (row.request_hash !== requestHash) return { kind: 'mismatch' };
    if (row.state === 'done') {
      return {
        kind: 'replay',
        response: {
          status: Number(row.status_code),
          headers: JSON.parse(row.response_headers ?? '{}') as Record<string, string>,
          body: row.response_body === null ? undefined : (JSON.parse(row.response_body) as unknown),
        },
      };
    }
    const takenOver = await this.db.execute(
      `UPDATE idempotency_keys SET created_at = $3
       WHERE client_id = $1 AND idempotency_key = $2 AND state = 'in_progress' AND created_at = $4 AND created_at < $5`,
      [clientId, key, now, Number(row.created_at), now - this.options.staleAfterMs],
    );
    return takenOver === 1 ? { kind: 'proceed' } : { kind: 'in-progress' };
  }

  /** Stores the response to replay for this key. */
  async complete(clientId: string, key: string, response: StoredResponse, txId?: string): Promise<void> {
    await this.db.execute(
      `UPDATE idempotency_keys SET state = 'done', status_code = $3, response_headers = $4, response_body = $5, tx_id = $6
       WHERE client_id = $1 AND idempotency_key = $2`,
      [
        clientId,
        key,
        response.status,
        JSON.stringify(response.headers),
        response.body === undefined ? null : JSON.stringify(response.body),
        txId ?? null,
      ],
    );
  }

  /** Forgets the key: the request may be sent again (it failed before reaching a ledger outcome). */
  async release(clientId: string, key: string): Promise<void> {
    await this.db.execute(
      "DELETE FROM idempotency_keys WHERE client_id = $1 AND idempotency_key = $2 AND state = 'in_progress'",
      [clientId, key],
    );
  }

  /** Deletes expired records; returns how many. */
  purgeExpired(): Promise<number> {
    return this.db.execute('DELETE FROM idempotency_keys WHERE expires_at <= $1', [this.#now()]);
  }

  #now(): number {
    return (this.options.now ?? Date.now)();
  }
}
