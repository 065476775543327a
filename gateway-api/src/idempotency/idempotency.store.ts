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
  | { readonly kind: 'in-progress' }
  /**
   * The request that holds the key died after it sent transaction `txId` to be ordered: its outcome
   * is the transaction's commit status (settle with {@link IdempotencyStore.settle} or take the key
   * over with {@link IdempotencyStore.takeOver}), never a blind second execution.
   */
  | {
      readonly kind: 'unsettled';
      readonly txId: string;
      readonly submittedAt: number;
      readonly owner: string | null;
      readonly createdAt: number;
    };

interface Row extends Record<string, unknown> {
  request_hash: string;
  state: string;
  status_code: number | null;
  response_headers: string | null;
  response_body: string | null;
  tx_id: string | null;
  owner: string | null;
  submitted_at: number | null;
  created_at: number;
  expires_at: number;
}

/** Options of {@link IdempotencyStore}. */
export interface IdempotencyOptions {
  /** How long a key is remembered. */
  readonly ttlMs: number;
  /** An in-progress record older than this belongs to a request that died: it may be taken over. */
  readonly staleAfterMs: number;
  /** Whether the process that owns an in-progress record may still be running its request. */
  readonly ownerAlive?: (owner: string | null) => Promise<boolean>;
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

  /**
   * Claims the key for this request (as process `owner`), or says why not. A key in progress whose
   * owner died (or that is older than `staleAfterMs`) is taken over at once when its request sent
   * nothing to the orderer, and is `unsettled` when it did.
   */
  async begin(clientId: string, key: string, requestHash: string, owner: string | null = null): Promise<IdempotencyDecision> {
    const now = this.#now();
    await this.db.execute(
      'DELETE FROM idempotency_keys WHERE client_id = $1 AND idempotency_key = $2 AND expires_at <= $3',
      [clientId, key, now],
    );
    const inserted = await this.db.execute(
      `INSERT INTO idempotency_keys (client_id, idempotency_key, request_hash, state, owner, created_at, expires_at)
       VALUES ($1, $2, $3, 'in_progress', $4, $5, $6) ON CONFLICT (client_id, idempotency_key) DO NOTHING`,
      [clientId, key, requestHash, owner, now, now + this.options.ttlMs],
    );
    if (inserted === 1) return { kind: 'proceed' };

    const row = (
      await this.db.query<Row>(
        'SELECT * FROM idempotency_keys WHERE client_id = $1 AND idempotency_key = $2',
        [clientId, key],
      )
    )[0];
    if (!row) return this.begin(clientId, key, requestHash, owner); // purged in between: try again
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
    const createdAt = Number(row.created_at);
    const stale = createdAt < now - this.options.staleAfterMs;
    const ownerAlive = this.options.ownerAlive ?? (() => Promise.resolve(true));
    if (!stale && (row.owner === owner || (await ownerAlive(row.owner)))) return { kind: 'in-progress' };
    if (row.tx_id !== null && row.submitted_at !== null) {
      return {
        kind: 'unsettled',
        txId: row.tx_id,
        submittedAt: Number(row.submitted_at),
        owner: row.owner,
        createdAt,
      };
    }
    return (await this.takeOver(clientId, key, { owner: row.owner, createdAt }, owner))
      ? { kind: 'proceed' }
      : { kind: 'in-progress' };
  }

  /**
   * Takes over a key whose request died, if nobody else did meanwhile: this request runs it anew
   * (the earlier one sent nothing to the orderer, or its transaction committed invalid, or it can
   * no longer commit).
   */
  async takeOver(
    clientId: string,
    key: string,
    from: { readonly owner: string | null; readonly createdAt: number },
    owner: string | null,
  ): Promise<boolean> {
    const changed = await this.db.execute(
      `UPDATE idempotency_keys SET owner = $3, created_at = $4, tx_id = NULL, submitted_at = NULL
       WHERE client_id = $1 AND idempotency_key = $2 AND state = 'in_progress' AND created_at = $5
         AND (owner = $6 OR (owner IS NULL AND $6 IS NULL))`,
      [clientId, key, owner, this.#now(), from.createdAt, from.owner],
    );
    return changed === 1;
  }

  /**
   * Records the transaction the request holding the key is about to have ordered.
   * @throws Error when the key is no longer this request's (taken over, released): the caller must
   *   not submit.
   */
  async recordSubmission(clientId: string, key: string, owner: string | null, txId: string): Promise<void> {
    const changed = await this.db.execute(
      `UPDATE idempotency_keys SET tx_id = $3, submitted_at = $4
       WHERE client_id = $1 AND idempotency_key = $2 AND state = 'in_progress'
         AND (owner = $5 OR (owner IS NULL AND $5 IS NULL))`,
      [clientId, key, txId, this.#now(), owner],
    );
    if (changed !== 1) throw new Error('the idempotency key is no longer held by this request');
  }

  /** Stores `response` for a key whose dead request's transaction is now known to have committed. */
  async settle(
    clientId: string,
    key: string,
    from: { readonly txId: string },
    response: StoredResponse,
  ): Promise<boolean> {
    const changed = await this.db.execute(
      `UPDATE idempotency_keys SET state = 'done', status_code = $3, response_headers = $4, response_body = $5
       WHERE client_id = $1 AND idempotency_key = $2 AND state = 'in_progress' AND tx_id = $6`,
      [
        clientId,
        key,
        response.status,
        JSON.stringify(response.headers),
        response.body === undefined ? null : JSON.stringify(response.body),
        from.txId,
      ],
    );
    return changed === 1;
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

  /**
   * Leaves a key whose request ends without knowing its transaction's outcome to be settled by
   * commit status: its owner becomes one no process has, as if the request had died.
   */
  async abandon(clientId: string, key: string, owner: string | null): Promise<void> {
    await this.db.execute(
      `UPDATE idempotency_keys SET owner = $3
       WHERE client_id = $1 AND idempotency_key = $2 AND state = 'in_progress'
         AND (owner = $4 OR (owner IS NULL AND $4 IS NULL))`,
      [clientId, key, `abandoned:${owner ?? ''}`, owner],
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
