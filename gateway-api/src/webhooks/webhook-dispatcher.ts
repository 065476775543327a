import type { JsonLogger } from '../common/logger';
import { backoffDelay } from '../common/backoff';
import { BackgroundLoop } from '../common/background-loop';
import type { EventBus } from '../events/event-bus';
import type { EventStoreRepository } from '../events/event-store.repository';
import { cloudEventHttp, type EventOrigin, toCloudEvent } from '../events/cloud-event';
import { eventJson, isGatewayEvent, type StoredEvent } from '../events/event.types';
import type { MetricsService } from '../metrics/metrics.service';
import { SIGNATURE_HEADER, signatureHeader, standardWebhookHeaders } from './signature';
import { failureClass, type HttpPost } from './webhook-post';
import type { AttemptOutcome, Delivery, Subscription, WebhookRepository } from './webhook.repository';

/** Delivery settings (from the configuration). */
export interface DispatcherOptions {
  readonly timeoutMs: number;
  readonly maxAttempts: number;
  readonly retryBaseDelayMs: number;
  readonly retryMaxDelayMs: number;
  readonly concurrency: number;
  /** The CloudEvents `source` parts of this gateway's events. */
  readonly origin: EventOrigin;
}

export type { HttpPost };

/** Injection token of the {@link HttpPost} deliveries are sent with. */
export const WEBHOOK_POST = Symbol('WEBHOOK_POST');

const ENQUEUE_PAGE = 500;
const PENDING_WINDOW = 200;
/** A worker looks at its queue at least this often even without a signal. */
const IDLE_CHECK_MS = 5_000;
/**
 * How often the subscription list is re-read: another gateway process on the database (one that is
 * not the event leader) may have created or deleted a subscription.
 */
const SYNC_MS = 5_000;

/**
 * Webhook delivery: one worker per subscription, so a slow or dead receiver only holds up its own
 * subscription. A worker turns new events into deliveries (durably, with its cursor), then sends
 * them: in event order per asset, up to `concurrency` assets at once, retrying with exponential
 * backoff and jitter, dead-lettering after the maximum attempts.
 */
export class WebhookDispatcher {
  readonly #workers = new Map<string, SubscriptionWorker>();
  #unsubscribe: (() => void) | undefined;
  #running = false;
  #syncTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly repo: WebhookRepository,
    private readonly events: EventStoreRepository,
    private readonly bus: EventBus,
    private readonly options: Readonly<DispatcherOptions>,
    private readonly logger: JsonLogger,
    private readonly metrics: MetricsService,
    private readonly post: HttpPost,
  ) {}

  async start(): Promise<void> {
    if (this.#running) return;
    this.#running = true;
    this.#unsubscribe = this.bus.subscribe(() => {
      for (const w of this.#workers.values()) w.wake();
    });
    this.#syncTimer = setInterval(() => void this.#sync(), SYNC_MS);
    this.#syncTimer.unref();
    for (const s of await this.repo.list()) this.add(s);
  }

  async stop(): Promise<void> {
    this.#running = false;
    clearInterval(this.#syncTimer);
    this.#unsubscribe?.();
    const workers = [...this.#workers.values()];
    this.#workers.clear();
    await Promise.all(workers.map((w) => w.stop()));
  }

  /** Starts delivering to a (new) subscription. */
  add(subscription: Subscription): void {
    if (!this.#running || this.#workers.has(subscription.id)) return;
    const worker = new SubscriptionWorker(
      subscription,
      this.repo,
      this.events,
      this.options,
      this.logger,
      this.metrics,
      this.post,
    );
    this.#workers.set(subscription.id, worker);
    worker.start();
  }

  /** Stops delivering to a deleted subscription (attempts in flight finish). */
  async remove(id: string): Promise<void> {
    const worker = this.#workers.get(id);
    this.#workers.delete(id);
    await worker?.stop();
  }

  /** Starts workers of subscriptions it does not know, stops those of deleted subscriptions. */
  async #sync(): Promise<void> {
    try {
      const listed = await this.repo.list();
      if (!this.#running) return;
      for (const s of listed) this.add(s);
      const ids = new Set(listed.map((s) => s.id));
      for (const id of [...this.#workers.keys()]) {
        // Re-checked one by one: a subscription created here after the list was read is not gone.
        if (!ids.has(id) && (await this.repo.get(id)) === undefined) await this.remove(id);
      }
    } catch (err) {
      this.logger.write('warn', 'webhook subscriptions could not be re-read', {
        error: err instanceof Error ? err.message : String(err),
      });
    }
  }

  /** Makes a subscription's worker look at its queue now (after a redeliver). */
  wake(id: string): void {
    this.#workers.get(id)?.wake();
  }
}

class SubscriptionWorker {
  readonly #inflight = new Map<string, Promise<void>>();
  // Attempts in flight may finish within the grace period (else they are repeated after a restart).
  readonly #loop = new BackgroundLoop(() => this.#step(), { pending: () => [...this.#inflight.values()] });
  #cursor: number;
  /** Counts attempts that finished: a pending list read while one finished may be stale. */
  #settled = 0;

  constructor(
    private readonly sub: Subscription,
    private readonly repo: WebhookRepository,
    private readonly events: EventStoreRepository,
    private readonly options: Readonly<DispatcherOptions>,
    private readonly logger: JsonLogger,
    private readonly metrics: MetricsService,
    private readonly post: HttpPost,
  ) {
    this.#cursor = sub.lastEventSeq;
  }

  start(): void {
    this.#loop.start();
  }

  stop(graceMs?: number): Promise<void> {
    return this.#loop.stop(graceMs);
  }

  wake(): void {
    this.#loop.wake();
  }

  async #step(): Promise<number> {
    try {
      await this.#enqueue();
      return await this.#dispatch();
    } catch (err) {
      this.logger.write('warn', 'webhook worker step failed', {
        subscriptionId: this.sub.id,
        error: err instanceof Error ? err.message : String(err),
      });
      return 1_000;
    }
  }

  /** New events since the cursor become deliveries (those the filter selects). */
  async #enqueue(): Promise<void> {
    for (;;) {
      const upto = await this.events.maxSeq();
      if (upto <= this.#cursor) return;
      const page = await this.events.list({ afterSeq: this.#cursor, uptoSeq: upto, limit: ENQUEUE_PAGE });
      const selected = page.filter(
        (e) =>
          // The gateway's own events (NetworkMigrated) reach every subscription, whatever its filter.
          isGatewayEvent(e.name) ||
          ((this.sub.eventNames === null || this.sub.eventNames.includes(e.name)) &&
            (this.sub.assetId === null || e.assetIds.includes(this.sub.assetId))),
      );
      const cursor = page.length < ENQUEUE_PAGE ? upto : (page[page.length - 1]?.seq ?? upto);
      await this.repo.enqueue(
        this.sub.id,
        selected.map((e) => ({ seq: e.seq, id: e.id, orderKey: e.assetIds[0] ?? '' })),
        cursor,
      );
      this.#cursor = cursor;
      if (page.length < ENQUEUE_PAGE) return;
    }
  }

  /**
   * Starts what may start: per order key only the oldest pending delivery, when due, while fewer
   * than `concurrency` are in flight. Returns how long to wait before looking again.
   */
  async #dispatch(): Promise<number> {
    const settledBefore = this.#settled;
    const pending = await this.repo.pending(this.sub.id, PENDING_WINDOW);
    // An attempt that finished while the list was read left the in-flight set, but the list may
    // have been read before its outcome was recorded: it would show the delivery as still pending
    // and send it again. Read again instead.
    if (this.#settled !== settledBefore) return 0;
    const now = Date.now();
    const busyKeys = new Set<string>();
    for (const d of pending) if (this.#inflight.has(d.id)) busyKeys.add(d.orderKey);
    let next = IDLE_CHECK_MS;
    for (const d of pending) {
      if (busyKeys.has(d.orderKey)) continue;
      busyKeys.add(d.orderKey);
      if (d.nextAttemptAt > now) {
        next = Math.min(next, d.nextAttemptAt - now);
        continue;
      }
      if (this.#inflight.size >= this.options.concurrency) break;
      const run = this.#attempt(d)
        .catch((err: unknown) => {
          this.logger.write('warn', 'webhook attempt could not be recorded', {
            subscriptionId: this.sub.id,
            deliveryId: d.id,
            error: err instanceof Error ? err.message : String(err),
          });
        })
        .finally(() => {
          this.#settled += 1;
          this.#inflight.delete(d.id);
          this.#loop.wake();
        });
      this.#inflight.set(d.id, run);
    }
    return Math.max(next, 0);
  }

  /**
   * The request of a delivery: the body in the subscription's format, the gateway's own headers,
   * and the signature headers of its schemes (each over the exact body bytes).
   */
  #request(
    event: StoredEvent,
    d: Delivery,
    timestamp: number,
  ): { headers: Record<string, string>; body: string } {
    let headers: Record<string, string>;
    let body: string;
    switch (this.sub.format) {
      case 'waybill':
        headers = { 'content-type': 'application/json' };
        body = eventJson(event);
        break;
      case 'cloudevents-structured':
      case 'cloudevents-binary':
        ({ headers, body } = cloudEventHttp(
          toCloudEvent(event, this.options.origin),
          this.sub.format === 'cloudevents-binary' ? 'binary' : 'structured',
        ));
        break;
    }
    headers = {
      ...headers,
      'user-agent': 'waybill-webhooks/1',
      'waybill-event-id': event.id,
      'waybill-event-name': event.name,
      'waybill-delivery-id': d.id,
      'waybill-timestamp': String(timestamp),
    };
    for (const scheme of this.sub.signatures) {
      switch (scheme) {
        case 'waybill':
          headers[SIGNATURE_HEADER] = signatureHeader(this.sub.secret, timestamp, body);
          break;
        case 'standard':
          // webhook-id is the stable event ID: the same on every retry (as the scheme asks) and the
          // receiver's de-duplication key.
          Object.assign(headers, standardWebhookHeaders(this.sub.secret, event.id, timestamp, body));
          break;
      }
    }
    return { headers, body };
  }

  async #attempt(d: Delivery): Promise<void> {
    const [event] = await this.events.bySeq([d.eventSeq]);
    if (!event) throw new Error(`event ${d.eventId} is not in the store`);
    const startedAt = Date.now();
    const timestamp = Math.floor(startedAt / 1000);
    const { headers, body } = this.#request(event, d, timestamp);
    let statusCode: number | null = null;
    let error: string | null = null;
    try {
      statusCode = await this.post(this.sub.url, {
        headers,
        body,
        timeoutMs: this.options.timeoutMs,
      });
      if (statusCode < 200 || statusCode > 299) error = 'http_status';
    } catch (err) {
      error = failureClass(err);
    }
    const durationMs = Date.now() - startedAt;
    this.metrics.webhookLatency.observe(durationMs / 1000);
    const max = this.sub.maxAttempts ?? this.options.maxAttempts;
    const round = d.roundAttempts + 1;
    const outcome: AttemptOutcome =
      error === null
        ? { state: 'delivered' }
        : round >= max
          ? { state: 'dead' }
          : {
              state: 'pending',
              nextAttemptAt:
                Date.now() + backoffDelay(round, this.options.retryBaseDelayMs, this.options.retryMaxDelayMs),
            };
    await this.repo.recordAttempt(d, { startedAt, durationMs, statusCode, error }, outcome);
    this.metrics.webhookAttempts.inc({ outcome: outcome.state === 'pending' ? 'failed' : outcome.state });
    if (outcome.state !== 'delivered') {
      this.logger.write(outcome.state === 'dead' ? 'warn' : 'info', 'webhook delivery failed', {
        subscriptionId: this.sub.id,
        deliveryId: d.id,
        eventId: event.id,
        attempt: round,
        error,
        deadLettered: outcome.state === 'dead',
      });
    }
  }
}
