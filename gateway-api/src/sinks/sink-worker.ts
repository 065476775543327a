import { backoffDelay } from '../common/backoff';
import { BackgroundLoop } from '../common/background-loop';
import type { JsonLogger } from '../common/logger';
import type { SinkConfig } from '../config/sinks-config';
import { cloudEventJson, cloudEventType, type EventOrigin, toCloudEvent } from '../events/cloud-event';
import { isGatewayEvent, type StoredEvent } from '../events/event.types';
import type { EventStoreRepository } from '../events/event-store.repository';
import type { IntegrationRepository } from '../events/integration.repository';
import type { MetricsService } from '../metrics/metrics.service';
import {
  describeSinkError,
  type OutboundEvent,
  type SinkPublisher,
  SinkRejectedError,
} from './sink-publisher';

/** Delivery settings shared by every sink (from the configuration). */
export interface SinkWorkerOptions {
  readonly maxAttempts: number;
  readonly retryBaseDelayMs: number;
  readonly retryMaxDelayMs: number;
  readonly batchSize: number;
  readonly origin: EventOrigin;
}

/** What the admin endpoint shows of a running sink besides its durable state. */
export interface SinkRuntime {
  readonly running: boolean;
  /** Consecutive failed attempts of the current batch. */
  readonly failures: number;
  readonly lastError: string | null;
  readonly lastPublishedAt: number | null;
}

/** A sink looks at the store at least this often without a signal. */
const IDLE_CHECK_MS = 5_000;
/**
 * The durable position is written at most this often while events flow (and always when the sink
 * catches up or stops): a database commit per batch would cost an fsync per event at low rates.
 * A crash repeats at most this much (at-least-once; consumers de-duplicate by ID).
 */
const CURSOR_FLUSH_MS = 500;

/** An event as a sink publishes it: its CloudEvent, type and ordering key. */
export function toOutbound(e: StoredEvent, origin: EventOrigin): OutboundEvent {
  return {
    event: e,
    type: cloudEventType(e.name),
    key: e.assetIds[0] ?? '',
    json: cloudEventJson(toCloudEvent(e, origin)),
  };
}

/** The cursor name of a sink. */
export function sinkCursorName(name: string): string {
  return `sink:${name}`;
}

/**
 * One sink: from its own durable position, publishes the stored events its filter selects as
 * CloudEvents, a batch at a time, in event order (so in per-asset order), and moves its position
 * only once the bus acknowledged the batch: at-least-once, a restart repeats at most one batch.
 * A failure is retried with capped exponential backoff and never touches another sink, webhook
 * delivery or the API; events the bus refuses outright are dead-lettered after the attempts.
 */
export class SinkWorker {
  readonly #loop = new BackgroundLoop((run) => this.#step(run), { graceMs: 5_000 });
  #cursor: number | undefined;
  /** The position last written to the database. */
  #stored: number | undefined;
  #storedAt = 0;
  #failures = 0;
  #lastError: string | null = null;
  #lastPublishedAt: number | null = null;
  /**
   * Events dead-lettered while still ahead of the position (event ID → seq): the next steps leave
   * them out of the batch they repeat. Forgotten once the position passes them.
   */
  readonly #skip = new Map<string, number>();

  constructor(
    readonly config: Readonly<SinkConfig>,
    private readonly publisher: SinkPublisher,
    private readonly events: EventStoreRepository,
    private readonly repo: IntegrationRepository,
    private readonly options: Readonly<SinkWorkerOptions>,
    private readonly logger: JsonLogger,
    private readonly metrics: MetricsService,
  ) {}

  get runtime(): SinkRuntime {
    return {
      running: this.#loop.running,
      failures: this.#failures,
      lastError: this.#lastError,
      lastPublishedAt: this.#lastPublishedAt,
    };
  }

  start(): void {
    this.#cursor = undefined;
    this.#stored = undefined;
    this.#skip.clear();
    this.#loop.start();
  }

  async stop(): Promise<void> {
    await this.#loop.stop();
    await this.#flush().catch((err: unknown) =>
      this.logger.write('warn', 'sink position could not be stored at stop', {
        sink: this.config.name,
        error: describeSinkError(err),
      }),
    );
    await this.publisher.close();
  }

  /** Writes the position when it moved since the last write. */
  async #flush(): Promise<void> {
    const cursor = this.#cursor;
    if (cursor === undefined || cursor === this.#stored) return;
    await this.repo.advance(sinkCursorName(this.config.name), cursor);
    this.#stored = cursor;
    this.#storedAt = Date.now();
  }

  wake(): void {
    this.#loop.wake();
  }

  async #step(run: { active(): boolean }): Promise<number> {
    const sink = this.config.name;
    let batch: OutboundEvent[] = [];
    try {
      // A sink configured for the first time starts with the events stored from now on.
      if (this.#cursor === undefined) {
        this.#cursor = await this.repo.cursor(sinkCursorName(sink), () => this.events.maxSeq());
        this.#stored = this.#cursor;
      }
      const cursor = this.#cursor;
      const upto = await this.events.maxSeq();
      this.metrics.sinkBacklog.set({ sink }, Math.max(upto - cursor, 0));
      if (upto <= cursor) {
        this.metrics.sinkLag.set({ sink }, 0);
        await this.#flush();
        return IDLE_CHECK_MS;
      }
      const page = await this.events.list({ afterSeq: cursor, uptoSeq: upto, limit: this.options.batchSize });
      const first = page[0];
      const last = page[page.length - 1];
      if (!first || !last) return IDLE_CHECK_MS;
      this.metrics.sinkLag.set({ sink }, Math.max(Date.now() - first.timestamp, 0) / 1000);
      batch = page.filter((e) => this.#selects(e) && !this.#skip.has(e.id)).map((e) => this.#outbound(e));
      if (batch.length > 0) {
        const publishing = this.metrics.sinkPublishDuration.startTimer({ sink });
        await this.publisher.publish(batch);
        publishing();
        const now = Date.now();
        for (const o of batch)
          this.metrics.sinkLatency.observe({ sink }, Math.max(now - o.event.timestamp, 0) / 1000);
        this.metrics.sinkPublished.inc({ sink }, batch.length);
        this.#lastPublishedAt = now;
      }
      if (!run.active()) return 0;
      this.#cursor = last.seq;
      for (const [id, seq] of this.#skip) if (seq <= last.seq) this.#skip.delete(id);
      if (Date.now() - this.#storedAt >= CURSOR_FLUSH_MS) await this.#flush();
      this.#failures = 0;
      this.#lastError = null;
      this.metrics.sinkUp.set({ sink }, 1);
      this.metrics.sinkBacklog.set({ sink }, Math.max(upto - last.seq, 0));
      return 0;
    } catch (err) {
      return this.#failed(err, batch);
    }
  }

  async #failed(err: unknown, batch: readonly OutboundEvent[]): Promise<number> {
    const sink = this.config.name;
    this.#failures += 1;
    this.#lastError = describeSinkError(err);
    this.metrics.sinkUp.set({ sink }, 0);
    this.metrics.sinkFailures.inc({ sink });
    this.logger.write('warn', 'sink publish failed', {
      sink,
      kind: this.config.kind,
      attempt: this.#failures,
      error: this.#lastError,
    });
    if (err instanceof SinkRejectedError && this.#failures >= this.options.maxAttempts) {
      try {
        await this.#deadLetter(err, batch);
      } catch (dlErr) {
        this.logger.write('warn', 'sink dead letter could not be recorded', {
          sink,
          error: describeSinkError(dlErr),
        });
      }
      return 0;
    }
    return backoffDelay(this.#failures, this.options.retryBaseDelayMs, this.options.retryMaxDelayMs);
  }

  /**
   * Records the refused events as dead letters. The batch is then repeated without them by the next
   * step (those of it the bus acknowledged already arrive twice: at-least-once), so an event further
   * on that the bus refuses too gets its own attempts before it is dead-lettered in turn.
   */
  async #deadLetter(err: SinkRejectedError, batch: readonly OutboundEvent[]): Promise<void> {
    const sink = this.config.name;
    const refused = batch.filter((o) => err.eventIds.includes(o.event.id));
    for (const o of refused) {
      await this.repo.deadLetter({
        name: sinkCursorName(sink),
        eventSeq: o.event.seq,
        eventId: o.event.id,
        attempts: this.#failures,
        error: err.message,
      });
      this.#skip.set(o.event.id, o.event.seq);
      this.metrics.sinkDeadLetters.inc({ sink });
    }
    this.#failures = 0;
    this.logger.write('warn', 'sink dead-lettered events', {
      sink,
      count: refused.length,
      error: err.message,
    });
  }

  #selects(e: StoredEvent): boolean {
    // The gateway's own events (NetworkMigrated) reach every sink, whatever its filter.
    return isGatewayEvent(e.name) || this.config.events === null || this.config.events.includes(e.name);
  }

  #outbound(e: StoredEvent): OutboundEvent {
    return toOutbound(e, this.options.origin);
  }
}
