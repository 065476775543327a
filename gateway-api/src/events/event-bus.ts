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
