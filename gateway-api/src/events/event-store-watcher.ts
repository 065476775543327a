import type { EventBus } from './event-bus';
import type { EventStoreRepository } from './event-store.repository';

/**
 * Wakes the local listeners (SSE streams) of a gateway process that is not the event leader.
 * Another process stores the events there, so no local reader signals the {@link EventBus}: this
 * polls the store's newest position and signals when it moved. Listeners re-read the store from
 * their own cursor, so polling adds at most one period of latency and loses nothing.
 */
export class EventStoreWatcher {
  #timer: NodeJS.Timeout | undefined;
  #last: number | undefined;
  #busy = false;

  constructor(
    private readonly store: EventStoreRepository,
    private readonly bus: EventBus,
    private readonly pollMs: number,
  ) {}

  start(): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => void this.#check(), this.pollMs);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
    this.#last = undefined;
  }

  async #check(): Promise<void> {
    if (this.#busy) return;
    this.#busy = true;
    try {
      const seq = await this.store.maxSeq();
      // The first look signals too (harmless): a stream opened just before it may have missed events.
      if (seq !== this.#last) {
        this.#last = seq;
        this.bus.notify();
      }
    } catch {
      // The database is unreachable: the API reports that on its own; try again next period.
    } finally {
      this.#busy = false;
    }
  }
}
