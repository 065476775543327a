import type { EventBus } from './event-bus';
import type { EventWork } from './event-leadership';

/** A worker of stored events with its own durable position (a sink, a function, …). */
export interface EventWorker {
  start(): void;
  stop(): Promise<void>;
  /** New events were stored: look now rather than at the next poll. */
  wake(): void;
}

/**
 * Event work made of one worker per configured integration: started together when this process
 * leads, each woken by every newly stored event, and stopped together.
 */
export function eventWorkers(name: string, bus: EventBus, workers: readonly EventWorker[]): EventWork {
  let unsubscribe: (() => void) | undefined;
  return {
    name,
    start: () => {
      unsubscribe ??= bus.subscribe(() => {
        for (const w of workers) w.wake();
      });
      for (const w of workers) w.start();
    },
    stop: async () => {
      unsubscribe?.();
      unsubscribe = undefined;
      await Promise.all(workers.map((w) => w.stop()));
    },
  };
}
