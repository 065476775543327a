import type { SinkConfig } from '../config/sinks-config';
import type { StoredEvent } from '../events/event.types';

/** One event on its way to a sink: the stored event, its CloudEvent and that event's JSON text. */
export interface OutboundEvent {
  readonly event: StoredEvent;
  /** The CloudEvents `type`. */
  readonly type: string;
  /** The primary asset ('' for an event about no asset): the ordering and partition key. */
  readonly key: string;
  /** The CloudEvent in structured JSON form. */
  readonly json: string;
}

/**
 * A bus an event sink publishes to. `publish` resolves once the bus acknowledged every event of the
 * batch durably, in the batch's order per key; it rejects otherwise (the batch is then repeated,
 * so a bus may see an event twice and de-duplicates on its ID).
 */
export interface SinkPublisher {
  publish(batch: readonly OutboundEvent[]): Promise<void>;
  /** Releases connections (a later publish connects again). */
  close(): Promise<void>;
}

/** Makes the publisher of a configured sink (tests pass a fake bus). */
export type SinkPublisherFactory = (config: Readonly<SinkConfig>) => SinkPublisher;

/** Injection token of the {@link SinkPublisherFactory}. */
export const SINK_PUBLISHER_FACTORY = Symbol('SINK_PUBLISHER_FACTORY');

/**
 * The bus refused some events of a batch for what they are (too large, not allowed), not because it
 * is unreachable: after the attempts those are dead-lettered and the sink moves on. Any other error
 * is an outage, retried without limit (nothing is dead-lettered because a broker is down).
 */
export class SinkRejectedError extends Error {
  constructor(
    message: string,
    /** Event IDs refused. */
    readonly eventIds: readonly string[],
  ) {
    super(message);
    this.name = 'SinkRejectedError';
  }
}

/** A failure in a few words for logs, metrics and the admin endpoint (no URL, no credentials). */
export function describeSinkError(err: unknown): string {
  if (err instanceof Error) {
    const cause = (err as { cause?: { code?: unknown } }).cause;
    const code = (err as { code?: unknown }).code;
    const suffix =
      typeof code === 'string'
        ? ` (${code})`
        : cause && typeof cause.code === 'string'
          ? ` (${cause.code})`
          : '';
    return `${err.name}: ${err.message}`.slice(0, 300) + suffix;
  }
  return String(err).slice(0, 300);
}

/** Runs `work`, failing it with a timeout error after `ms` (a hung bus must not hold a sink forever). */
export async function withTimeout<T>(what: string, ms: number, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      work,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
