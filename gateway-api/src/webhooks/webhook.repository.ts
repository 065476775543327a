import { Inject } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DATABASE, type Database, type Row, type SqlValue } from '../database/database';
import { KeyRing } from '../crypto/envelope-crypto';

/**
 * The body of a delivery: the gateway's own event JSON, or a CloudEvent 1.0 in structured mode
 * (`application/cloudevents+json`) or binary mode (`ce-*` headers, the payload as the body).
 */
export const WEBHOOK_FORMATS = ['waybill', 'cloudevents-structured', 'cloudevents-binary'] as const;
export type WebhookFormat = (typeof WEBHOOK_FORMATS)[number];

/** Signature headers of a delivery: `Waybill-Signature`, and/or the Standard Webhooks ones. */
export const SIGNATURE_SCHEMES = ['waybill', 'standard'] as const;
export type SignatureScheme = (typeof SIGNATURE_SCHEMES)[number];

/** A webhook subscription as stored (the secret never leaves the gateway after creation). */
export interface Subscription {
  readonly id: string;
  readonly url: string;
  readonly secret: string;
  /** Event names delivered; null: every event. */
  readonly eventNames: readonly string[] | null;
  /** Only events concerning this asset; null: every asset. */
  readonly assetId: string | null;
  /** Attempts before dead-lettering; null: the gateway's default. */
  readonly maxAttempts: number | null;
  readonly format: WebhookFormat;
  /** At least one. */
  readonly signatures: readonly SignatureScheme[];
  /** Last event position turned into deliveries. */
  readonly lastEventSeq: number;
  readonly createdBy: string;
  readonly createdAt: number;
}

export type DeliveryState = 'pending' | 'delivered' | 'dead';

/** One event to deliver to one subscription. */
export interface Delivery {
  readonly id: string;
  readonly subscriptionId: string;
  readonly eventSeq: number;
  readonly eventId: string;
  /** Deliveries with the same key are sent in event order (the event's primary asset). */
  readonly orderKey: string;
  readonly state: DeliveryState;
  /** Attempts ever made. */
  readonly attempts: number;
  /** Attempts since it was (re)queued, counted against the maximum. */
  readonly roundAttempts: number;
  readonly nextAttemptAt: number;
  readonly lastStatus: number | null;
  readonly lastError: string | null;
  readonly createdAt: number;
  readonly deliveredAt: number | null;
}

/** One attempt of a delivery (the deliveries log). */
export interface DeliveryAttempt {
  readonly attempt: number;
  readonly startedAt: number;
  readonly durationMs: number;
  readonly statusCode: number | null;
  readonly error: string | null;
}

/** An attempt's outcome and what happens next. */
export type AttemptOutcome =
  | { readonly state: 'delivered' }
  | { readonly state: 'pending'; readonly nextAttemptAt: number }
  | { readonly state: 'dead' };

/**
 * Subscriptions, deliveries and their attempts in the gateway's database. Signing secrets are
 * sealed (AES-256-GCM) under the gateway's key-encryption key, bound to their subscription id, and
 * opened only in memory to sign.
 */
export class WebhookRepository {
  constructor(
    @Inject(DATABASE) private readonly db: Database,
    @Inject(KeyRing) private readonly keys: KeyRing,
  ) {}

  /** Creates a subscription that receives events stored from now on. */
  async create(input: Omit<Subscription, 'id' | 'lastEventSeq' | 'createdAt'>): Promise<Subscription> {
    const id = `wh_${randomUUID().replace(/-/g, '')}`;
    const createdAt = Date.now();
    const sealed = this.keys.wrap(Buffer.from(input.secret, 'utf8'), secretContext(id));
    await this.db.execute(
      `INSERT INTO webhook_subscriptions (id, url, secret, secret_kek_id, event_names, asset_id, max_attempts,
         last_event_seq, created_by, created_at, format, signatures)
       VALUES ($1, $2, $3, $9, $4, $5, $6, (SELECT COALESCE(MAX(seq), 0) FROM ledger_events), $7, $8, $10, $11)`,
      [
        id,
        input.url,
        sealed.wrapped,
        input.eventNames === null ? null : JSON.stringify(input.eventNames),
        input.assetId,
        input.maxAttempts,
        input.createdBy,
        createdAt,
        sealed.kekId,
        input.format,
        JSON.stringify(input.signatures),
      ],
    );
    const created = await this.get(id);
    if (!created) throw new Error(`subscription ${id} vanished after insert`);
    return created;
  }

  async get(id: string): Promise<Subscription | undefined> {
    const rows = await this.db.query(
      'SELECT * FROM webhook_subscriptions WHERE id = $1 AND deleted_at IS NULL',
      [id],
    );
    return rows[0] === undefined ? undefined : this.#toSubscription(rows[0]);
  }

  /** Subscriptions not deleted. */
  async count(): Promise<number> {
    const rows = await this.db.query<{ n: unknown }>(
      'SELECT COUNT(*) AS n FROM webhook_subscriptions WHERE deleted_at IS NULL',
    );
    return Number(rows[0]?.n ?? 0);
  }

  async list(): Promise<Subscription[]> {
    const rows = await this.db.query(
      'SELECT * FROM webhook_subscriptions WHERE deleted_at IS NULL ORDER BY created_at, id',
    );
    return rows.map((r) => this.#toSubscription(r));
  }

  /**
   * Seals again every secret not under the current key-encryption key (after a KEK rotation, with
   * `pd rewrap`), and seals any left in clear by schema version 3.
   * @returns how many secrets were sealed again.
   * @throws SealError when a secret does not open with any configured KEK.
   */
  async rewrapSecrets(): Promise<number> {
    const rows = await this.db.query(
      'SELECT id, secret, secret_kek_id FROM webhook_subscriptions WHERE secret_kek_id IS NULL OR secret_kek_id <> $1',
      [this.keys.currentId],
    );
    let n = 0;
    for (const r of rows) {
      const id = String(r.id);
      const secret = this.#openSecret(id, String(r.secret), text(r.secret_kek_id));
      const sealed = this.keys.wrap(secret, secretContext(id));
      n += await this.db.execute(
        'UPDATE webhook_subscriptions SET secret = $1, secret_kek_id = $2 WHERE id = $3 AND secret = $4',
        [sealed.wrapped, sealed.kekId, id, String(r.secret)],
      );
    }
    return n;
  }

  /**
   * Seals the secrets an older schema (version 3) left in clear; the gateway does it at every
   * start, so none stays in clear after an upgrade.
   * @returns how many secrets were sealed.
   */
  async sealClearSecrets(): Promise<number> {
    const rows = await this.db.query(
      'SELECT id, secret FROM webhook_subscriptions WHERE secret_kek_id IS NULL',
    );
    let n = 0;
    for (const r of rows) {
      const id = String(r.id);
      const sealed = this.keys.wrap(Buffer.from(String(r.secret), 'utf8'), secretContext(id));
      n += await this.db.execute(
        'UPDATE webhook_subscriptions SET secret = $1, secret_kek_id = $2 WHERE id = $3 AND secret_kek_id IS NULL',
        [sealed.wrapped, sealed.kekId, id],
      );
    }
    return n;
  }

  /** One sealed secret per key-encryption key id in use, for the start-up key check. */
  async secretSamples(): Promise<{ id: string; kekId: string; sealed: string }[]> {
    const rows = await this.db.query(
      `SELECT s.id, s.secret, s.secret_kek_id FROM webhook_subscriptions s
        WHERE s.secret_kek_id IS NOT NULL
          AND s.id = (SELECT MIN(t.id) FROM webhook_subscriptions t WHERE t.secret_kek_id = s.secret_kek_id)`,
    );
    return rows.map((r) => ({ id: String(r.id), kekId: String(r.secret_kek_id), sealed: String(r.secret) }));
  }

  #openSecret(id: string, stored: string, kekId: string | null): Buffer {
    return kekId === null ? Buffer.from(stored, 'utf8') : this.keys.unwrap(stored, kekId, secretContext(id));
  }

  #toSubscription(r: Row): Subscription {
    const id = String(r.id);
    return {
      ...toSubscription(r),
      secret: this.#openSecret(id, String(r.secret), text(r.secret_kek_id)).toString('utf8'),
    };
  }

  /** Deletes a subscription: nothing more is delivered; its deliveries log stays readable. */
  async delete(id: string): Promise<boolean> {
    return (
      (await this.db.execute(
        'UPDATE webhook_subscriptions SET deleted_at = $2 WHERE id = $1 AND deleted_at IS NULL',
        [id, Date.now()],
      )) > 0
    );
  }

  /**
   * Adds deliveries for events (already filtered) and moves the subscription's cursor to `cursor`,
   * atomically: a crash repeats the step, and the unique (subscription, event) key absorbs it.
   */
  async enqueue(
    subscriptionId: string,
    events: readonly { readonly seq: number; readonly id: string; readonly orderKey: string }[],
    cursor: number,
  ): Promise<void> {
    const now = Date.now();
    await this.db.transaction(async (tx) => {
      for (const e of events) {
        await tx.execute(
          `INSERT INTO webhook_deliveries (id, subscription_id, event_seq, event_id, order_key, state, attempts,
             round_attempts, next_attempt_at, created_at, updated_at)
           VALUES ($1, $2, $3, $4, $5, 'pending', 0, 0, $6, $6, $6)
           ON CONFLICT (subscription_id, event_seq) DO NOTHING`,
          [`dl_${randomUUID().replace(/-/g, '')}`, subscriptionId, e.seq, e.id, e.orderKey, now],
        );
      }
      await tx.execute('UPDATE webhook_subscriptions SET last_event_seq = $2 WHERE id = $1', [
        subscriptionId,
        cursor,
      ]);
    });
  }

  /** The oldest pending deliveries of a subscription, in event order. */
  async pending(subscriptionId: string, limit: number): Promise<Delivery[]> {
    const rows = await this.db.query(
      `SELECT * FROM webhook_deliveries WHERE subscription_id = $1 AND state = 'pending'
       ORDER BY event_seq LIMIT $2`,
      [subscriptionId, limit],
    );
    return rows.map(toDelivery);
  }

  /** Records an attempt and its outcome in one transaction. */
  async recordAttempt(
    delivery: Delivery,
    attempt: Omit<DeliveryAttempt, 'attempt'>,
    outcome: AttemptOutcome,
  ): Promise<void> {
    const now = Date.now();
    const number = delivery.attempts + 1;
    await this.db.transaction(async (tx) => {
      await tx.execute(
        `INSERT INTO webhook_attempts (delivery_id, attempt, started_at, duration_ms, status_code, error)
         VALUES ($1, $2, $3, $4, $5, $6)`,
        [delivery.id, number, attempt.startedAt, attempt.durationMs, attempt.statusCode, attempt.error],
      );
      await tx.execute(
        `UPDATE webhook_deliveries SET state = $2, attempts = $3, round_attempts = round_attempts + 1,
           next_attempt_at = $4, last_status = $5, last_error = $6, updated_at = $7, delivered_at = $8
         WHERE id = $1`,
        [
          delivery.id,
          outcome.state,
          number,
          outcome.state === 'pending' ? outcome.nextAttemptAt : now,
          attempt.statusCode,
          attempt.error,
          now,
          outcome.state === 'delivered' ? now : null,
        ],
      );
    });
  }

  /** A subscription's deliveries, newest event first, with a position cursor. */
  async deliveries(
    subscriptionId: string,
    options: { readonly state?: DeliveryState; readonly beforeSeq?: number; readonly limit: number },
  ): Promise<Delivery[]> {
    const params: SqlValue[] = [subscriptionId];
    let where = 'subscription_id = $1';
    if (options.state !== undefined) {
      params.push(options.state);
      where += ` AND state = $${params.length}`;
    }
    if (options.beforeSeq !== undefined) {
      params.push(options.beforeSeq);
      where += ` AND event_seq < $${params.length}`;
    }
    params.push(options.limit);
    const rows = await this.db.query(
      `SELECT * FROM webhook_deliveries WHERE ${where} ORDER BY event_seq DESC LIMIT $${params.length}`,
      params,
    );
    return rows.map(toDelivery);
  }

  async delivery(subscriptionId: string, deliveryId: string): Promise<Delivery | undefined> {
    const rows = await this.db.query(
      'SELECT * FROM webhook_deliveries WHERE subscription_id = $1 AND id = $2',
      [subscriptionId, deliveryId],
    );
    return rows[0] === undefined ? undefined : toDelivery(rows[0]);
  }

  /** Attempts of deliveries, by delivery id. */
  async attempts(deliveryIds: readonly string[]): Promise<Map<string, DeliveryAttempt[]>> {
    const out = new Map<string, DeliveryAttempt[]>();
    if (deliveryIds.length === 0) return out;
    const marks = deliveryIds.map((_, i) => `$${i + 1}`).join(', ');
    const rows = await this.db.query(
      `SELECT * FROM webhook_attempts WHERE delivery_id IN (${marks}) ORDER BY delivery_id, attempt`,
      [...deliveryIds],
    );
    for (const r of rows) {
      const list = out.get(String(r.delivery_id)) ?? [];
      list.push({
        attempt: Number(r.attempt),
        startedAt: Number(r.started_at),
        durationMs: Number(r.duration_ms),
        statusCode: r.status_code === null ? null : Number(r.status_code),
        error: text(r.error),
      });
      out.set(String(r.delivery_id), list);
    }
    return out;
  }

  /**
   * Queues deliveries again for a fresh round of attempts (dead letters, or delivered ones a
   * receiver lost). `deliveryId` omitted: every dead letter of the subscription.
   * @returns the deliveries queued.
   */
  async redeliver(subscriptionId: string, deliveryId?: string): Promise<number> {
    const now = Date.now();
    if (deliveryId === undefined) {
      return this.db.execute(
        `UPDATE webhook_deliveries SET state = 'pending', round_attempts = 0, next_attempt_at = $2, updated_at = $2
         WHERE subscription_id = $1 AND state = 'dead'`,
        [subscriptionId, now],
      );
    }
    return this.db.execute(
      `UPDATE webhook_deliveries SET state = 'pending', round_attempts = 0, next_attempt_at = $3, updated_at = $3
       WHERE subscription_id = $1 AND id = $2`,
      [subscriptionId, deliveryId, now],
    );
  }
}

/** A nullable text column. */
function text(v: unknown): string | null {
  return typeof v === 'string' ? v : null;
}

/** What a subscription's sealed secret is bound to (a sealed secret moved to another row does not open). */
function secretContext(id: string): string {
  return `webhook-secret:${id}`;
}

function toSubscription(r: Row): Omit<Subscription, 'secret'> {
  return {
    id: String(r.id),
    url: String(r.url),
    eventNames: typeof r.event_names === 'string' ? (JSON.parse(r.event_names) as string[]) : null,
    assetId: text(r.asset_id),
    maxAttempts: r.max_attempts === null ? null : Number(r.max_attempts),
    format: String(r.format) as WebhookFormat,
    signatures: JSON.parse(String(r.signatures)) as SignatureScheme[],
    lastEventSeq: Number(r.last_event_seq),
    createdBy: String(r.created_by),
    createdAt: Number(r.created_at),
  };
}

function toDelivery(r: Row): Delivery {
  return {
    id: String(r.id),
    subscriptionId: String(r.subscription_id),
    eventSeq: Number(r.event_seq),
    eventId: String(r.event_id),
    orderKey: String(r.order_key),
    state: String(r.state) as DeliveryState,
    attempts: Number(r.attempts),
    roundAttempts: Number(r.round_attempts),
    nextAttemptAt: Number(r.next_attempt_at),
    lastStatus: r.last_status === null ? null : Number(r.last_status),
    lastError: text(r.last_error),
    createdAt: Number(r.created_at),
    deliveredAt: r.delivered_at === null ? null : Number(r.delivered_at),
  };
}
