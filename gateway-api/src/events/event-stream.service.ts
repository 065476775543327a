import { Inject } from '@nestjs/common';
import type { ServerResponse } from 'node:http';
import { type JsonLogger, LOGGER } from '../common/logger';
import { ProblemException } from '../common/problems';
import { CONFIG, type GatewayConfig } from '../config/config';
import { EventBus } from './event-bus';
import { EventStoreRepository } from './event-store.repository';
import { eventJson, isGatewayEvent, type StoredEvent } from './event.types';

/** What one SSE stream sends. */
export interface StreamSelection {
  /** Send events after this position. */
  readonly afterSeq: number;
  readonly names?: readonly string[];
  readonly assetId?: string;
}

/** Caps of the streams (from the configuration). */
export interface StreamLimits {
  readonly maxPerKey: number;
  readonly maxPerProcess: number;
  readonly maxLifeMs: number;
}

/** A place among the open streams, taken before the stream's work starts and given back once. */
export interface StreamAdmission {
  release(): void;
}

const PAGE = 200;
/** Comment lines keep proxies and clients from timing an idle stream out. */
const HEARTBEAT_MS = 15_000;
/** Client reconnect delay suggested in the stream (`retry:`). */
const RETRY_MS = 2_000;
/** A client that leaves this much unread is dropped (it resumes with Last-Event-ID). */
const MAX_UNREAD_BYTES = 1024 * 1024;
/** Live events held for a stream still replaying; beyond, it is dropped (and resumes). */
const MAX_HELD_EVENTS = 10_000;

interface Subscriber {
  readonly selection: StreamSelection;
  /** Live events arrived while the stream replays; null once it is live. */
  held: StoredEvent[] | null;
  deliver(e: StoredEvent): void;
  heartbeat(): void;
  close(): void;
}

/**
 * Serves Server-Sent Events from the event store. One reader per process follows the store (woken
 * by the event bus) and fans each new event out to every open stream, so the database sees one
 * query per batch of new events however many streams are open. A stream first replays from the
 * client's position up to where the reader is (its own paged queries, once), holding the live
 * events that arrive meanwhile, then turns live. A client that does not keep up is dropped and
 * resumes with Last-Event-ID; nothing is skipped.
 *
 * Streams are capped per API key (429) and per process (503), and end after their maximum life.
 */
export class EventStreamService {
  readonly #subscribers = new Set<Subscriber>();
  readonly #perKey = new Map<string, number>();
  #admitted = 0;
  /** Position up to which new events were fanned out; undefined until first read. */
  #cursor: number | undefined;
  #reading: Promise<void> | undefined;
  #again = false;
  #unsubscribe: (() => void) | undefined;
  #heartbeat: NodeJS.Timeout | undefined;
  readonly #limits: StreamLimits;

  constructor(
    @Inject(EventStoreRepository) private readonly store: EventStoreRepository,
    @Inject(EventBus) private readonly bus: EventBus,
    @Inject(LOGGER) private readonly logger: JsonLogger,
    @Inject(CONFIG) config: Pick<GatewayConfig, 'events'>,
  ) {
    this.#limits = config.events.streams;
  }

  /** Open streams (for metrics and tests). */
  get openStreams(): number {
    return this.#subscribers.size;
  }

  /** Follows the store: reads what is new whenever the bus signals, and heartbeats every stream. */
  start(): void {
    if (this.#unsubscribe) return;
    this.#unsubscribe = this.bus.subscribe(() => this.#pump());
    this.#heartbeat = setInterval(() => {
      for (const s of this.#subscribers) s.heartbeat();
      // Also a slow poll of the store, for events stored by a process whose signals do not reach
      // this one (when this process does no event work, nothing else watches the store for it).
      if (this.#subscribers.size > 0) this.#pump();
    }, HEARTBEAT_MS);
    this.#heartbeat.unref();
    this.#pump();
  }

  /** Ends every open stream and stops following the store (shutdown). */
  async closeAll(): Promise<void> {
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    clearInterval(this.#heartbeat);
    for (const s of [...this.#subscribers]) s.close();
    await this.#reading;
  }

  /**
   * Takes a place for a new stream of `keyId`.
   * @throws {@link ProblemException} TOO_MANY_STREAMS when the key has its maximum open,
   *   STREAMS_EXHAUSTED when the process has.
   */
  admit(keyId: string): StreamAdmission {
    const mine = this.#perKey.get(keyId) ?? 0;
    if (mine >= this.#limits.maxPerKey) {
      throw new ProblemException(
        'TOO_MANY_STREAMS',
        `this API key has ${mine} event streams open (WAYBILL_SSE_MAX_STREAMS_PER_KEY): close one first`,
        {},
        { 'Retry-After': '5' },
      );
    }
    if (this.#admitted >= this.#limits.maxPerProcess) {
      throw new ProblemException(
        'STREAMS_EXHAUSTED',
        'the gateway serves as many event streams as it may (WAYBILL_SSE_MAX_STREAMS)',
        {},
        { 'Retry-After': '30' },
      );
    }
    this.#perKey.set(keyId, mine + 1);
    this.#admitted += 1;
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        this.#admitted -= 1;
        const left = (this.#perKey.get(keyId) ?? 1) - 1;
        if (left <= 0) this.#perKey.delete(keyId);
        else this.#perKey.set(keyId, left);
      },
    };
  }

  /**
   * Writes the stream to `res` until the client goes away, the stream's life ends, or
   * {@link closeAll}; releases `admission` then. The response head must not have been sent.
   */
  async serve(
    res: ServerResponse,
    selection: StreamSelection,
    headers: Record<string, string>,
    admission: StreamAdmission,
  ): Promise<void> {
    let closed = false;
    let ended: () => void = () => undefined;
    const done = new Promise<void>((resolve) => (ended = resolve));
    const write = (text: string) => {
      if (closed) return;
      res.write(text);
      // Node buffers what the client does not read: a client that stops reading is dropped.
      if (res.writableLength > MAX_UNREAD_BYTES) sub.close();
    };
    const send = (e: StoredEvent) => write(`id: ${e.id}\nevent: ${e.name}\ndata: ${eventJson(e)}\n\n`);
    const life = setTimeout(() => sub.close(), this.#limits.maxLifeMs);
    const sub: Subscriber = {
      selection,
      held: [],
      deliver: (e) => {
        if (!matches(e, selection)) return;
        if (sub.held === null) send(e);
        else if (sub.held.push(e) > MAX_HELD_EVENTS) sub.close();
      },
      heartbeat: () => write(': keep-alive\n\n'),
      close: () => {
        if (closed) return;
        closed = true;
        clearTimeout(life);
        this.#subscribers.delete(sub);
        admission.release();
        res.end();
        ended();
      },
    };
    res.on('close', () => sub.close());
    // Registered before the replay's bound is read: every event after the bound reaches `held`.
    this.#subscribers.add(sub);
    // The stream lasts as long as it is allowed to, not as long as the socket's idle timeout.
    res.socket?.setTimeout(0);
    res.writeHead(200, {
      ...headers,
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      // Ending the stream ends the connection: nothing keeps a shutdown waiting.
      connection: 'close',
      'x-accel-buffering': 'no',
    });
    res.write(`retry: ${RETRY_MS}\n\n`);
    try {
      const bound = Math.max(await this.#position(), selection.afterSeq);
      let cursor = selection.afterSeq;
      while (!closed && cursor < bound) {
        const events = await this.store.list({
          afterSeq: cursor,
          uptoSeq: bound,
          ...(selection.names ? { names: selection.names } : {}),
          ...(selection.assetId ? { assetId: selection.assetId } : {}),
          withGatewayEvents: true,
          limit: PAGE,
        });
        for (const e of events) {
          if (closed) break;
          send(e);
          if (res.writableNeedDrain) await new Promise<void>((r) => res.once('drain', r).once('close', r));
        }
        cursor = events.length < PAGE ? bound : (events[events.length - 1]?.seq ?? bound);
      }
      const held = sub.held ?? [];
      sub.held = null;
      for (const e of held) if (e.seq > bound) send(e);
    } catch (err) {
      this.logger.write('warn', 'event stream failed', { error: err instanceof Error ? err.message : String(err) });
      sub.close();
    }
    await done;
  }

  /** Where the fan-out is: every later event will be delivered to the open streams. */
  async #position(): Promise<number> {
    if (this.#cursor === undefined) {
      this.#pump();
      await this.#reading;
    }
    if (this.#cursor === undefined) throw new Error('the event store cannot be read');
    return this.#cursor;
  }

  /** Reads what is new (coalescing signals that arrive meanwhile) and fans it out. */
  #pump(): void {
    if (this.#reading) {
      this.#again = true;
      return;
    }
    this.#reading = (async () => {
      try {
        do {
          this.#again = false;
          await this.#readNew();
        } while (this.#again);
      } catch (err) {
        this.logger.write('warn', 'event stream reader failed', {
          error: err instanceof Error ? err.message : String(err),
        });
      } finally {
        this.#reading = undefined;
      }
    })();
  }

  async #readNew(): Promise<void> {
    if (this.#cursor === undefined) {
      this.#cursor = await this.store.maxSeq();
      return;
    }
    for (;;) {
      const events = await this.store.list({ afterSeq: this.#cursor, limit: PAGE });
      // Delivered and the cursor moved in one go: a stream reading the cursor meanwhile sees both or neither.
      for (const e of events) for (const s of this.#subscribers) s.deliver(e);
      const last = events[events.length - 1];
      if (last) this.#cursor = last.seq;
      if (events.length < PAGE) return;
    }
  }
}

function matches(e: StoredEvent, selection: StreamSelection): boolean {
  return (
    isGatewayEvent(e.name) ||
    ((selection.names === undefined || selection.names.includes(e.name)) &&
      (selection.assetId === undefined || e.assetIds.includes(selection.assetId)))
  );
}
