/**
 * In-process signal "new events are stored". Listeners re-read the event store from their own
 * cursor, so a missed or coalesced signal loses nothing: the store is the truth, this only wakes.
 */
export class EventBus {
  readonly #listeners = new Set<() => void>();

  /** Registers a listener; returns its removal. */
  subscribe(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  notify(): void {
    for (const listener of this.#listeners) {
      try {
        listener();
      } catch {
        // A listener's bug must not stop the reader; listeners log their own failures.
      }
    }
  }
}

/** A one-shot wake-up a loop can wait on with a timeout. */
export class Wakeup {
  #pending = false;
  #signalled = false;
  #resolve: (() => void) | undefined;

  /** Whether the last {@link wait} ended by a signal (not by its timeout). */
  get signalledSinceLastWait(): boolean {
    return this.#signalled;
  }

  signal(): void {
    this.#pending = true;
    this.#signalled = true;
    this.#resolve?.();
  }

  /** Resolves at the next signal (or at once if one came since the last wait), or after `ms`. */
  wait(ms: number): Promise<void> {
    this.#signalled = false;
    if (this.#pending) {
      this.#signalled = true;
      this.#pending = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.#resolve = undefined;
        this.#pending = false;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.#resolve = done;
    });
  }
}
