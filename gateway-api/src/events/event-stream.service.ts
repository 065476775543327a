import { Inject } from '@nestjs/common';
import type { ServerResponse } from 'node:http';
import { type JsonLogger, LOGGER } from '../common/logger';
import { Wakeup } from '../common/background-loop';
import { EventBus } from './event-bus';
import { EventStoreRepository } from './event-store.repository';
import { eventJson } from './event.types';

/** What one SSE stream sends. */
export interface StreamSelection {
  /** Send events after this position. */
  readonly afterSeq: number;
  readonly names?: readonly string[];
  readonly assetId?: string;
}

const PAGE = 200;
/** Comment lines keep proxies and clients from timing an idle stream out. */
const HEARTBEAT_MS = 15_000;
/** Client reconnect delay suggested in the stream (`retry:`). */
const RETRY_MS = 2_000;

/**
 * Serves Server-Sent Events from the event store: a replay from the client's position, then live
 * events as the reader stores them. Each stream re-reads the store from its own cursor when woken,
 * so a slow client only slows itself and nothing is skipped between replay and live.
 */
export class EventStreamService {
  readonly #open = new Set<() => void>();

  constructor(
    @Inject(EventStoreRepository) private readonly store: EventStoreRepository,
    @Inject(EventBus) private readonly bus: EventBus,
    @Inject(LOGGER) private readonly logger: JsonLogger,
  ) {}

  /** Open streams (for metrics and tests). */
  get openStreams(): number {
    return this.#open.size;
  }

  /** Ends every open stream (shutdown). */
  closeAll(): void {
    for (const close of [...this.#open]) close();
  }

  /**
   * Writes the stream to `res` until the client goes away or {@link closeAll}. The response head
   * must not have been sent.
   */
  async serve(res: ServerResponse, selection: StreamSelection, headers: Record<string, string>): Promise<void> {
    const wake = new Wakeup();
    let closed = false;
    const close = () => {
      if (closed) return;
      closed = true;
      wake.signal();
      res.end();
    };
    this.#open.add(close);
    const unsubscribe = this.bus.subscribe(() => wake.signal());
    res.on('close', close);
    res.writeHead(200, {
      ...headers,
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      // Ending the stream ends the connection: nothing keeps a shutdown waiting.
      connection: 'close',
      'x-accel-buffering': 'no',
    });
    res.write(`retry: ${RETRY_MS}\n\n`);
    let cursor = selection.afterSeq;
    try {
      while (!closed) {
        const upto = await this.store.maxSeq();
        const events = await this.store.list({
          afterSeq: cursor,
          uptoSeq: upto,
          names: selection.names,
          assetId: selection.assetId,
          limit: PAGE,
        });
        for (const e of events) {
          if (closed) break;
          const ok = res.write(`id: ${e.id}\nevent: ${e.name}\ndata: ${eventJson(e)}\n\n`);
          if (!ok) await new Promise<void>((resolve) => res.once('drain', resolve).once('close', resolve));
        }
        const last = events[events.length - 1];
        cursor = events.length < PAGE ? Math.max(cursor, upto) : (last?.seq ?? cursor);
        if (events.length === PAGE) continue;
        await wake.wait(HEARTBEAT_MS);
        if (!closed && !wake.signalledSinceLastWait) res.write(': keep-alive\n\n');
      }
    } catch (err) {
      this.logger.write('warn', 'event stream failed', { error: err instanceof Error ? err.message : String(err) });
    } finally {
      unsubscribe();
      this.#open.delete(close);
      close();
    }
  }
}
