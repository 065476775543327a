import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import type { EventBridgeSinkConfig } from '../config/sinks-config';
import { type OutboundEvent, type SinkPublisher, SinkRejectedError, withTimeout } from './sink-publisher';

/** PutEvents takes at most 10 entries. */
const MAX_ENTRIES = 10;

/**
 * AWS EventBridge PutEvents through the AWS SDK. Each entry's `Detail` is the structured CloudEvent,
 * `DetailType` its type, `Source` the configured source (default `io.waybill`), `Time` the block
 * time; a rule matches on those (docs/integrations.md). EventBridge does not keep the order of the
 * entries of one call, so a call never carries two events of one asset: an asset's next event
 * leaves only after the previous one was accepted. Credentials come from the SDK's default chain.
 */
export class EventBridgePublisher implements SinkPublisher {
  readonly #client: EventBridgeClient;

  constructor(private readonly config: Readonly<EventBridgeSinkConfig>) {
    this.#client = new EventBridgeClient({
      region: config.region,
      maxAttempts: 2,
      ...(config.endpoint === undefined ? {} : { endpoint: config.endpoint }),
    });
  }

  async publish(batch: readonly OutboundEvent[]): Promise<void> {
    for (const chunk of chunks(batch)) {
      const entries: PutEventsRequestEntry[] = chunk.map((o) => ({
        Source: this.config.source,
        DetailType: o.type,
        Detail: o.json,
        EventBusName: this.config.eventBusName,
        Time: new Date(o.event.timestamp),
        Resources: [],
      }));
      const out = await withTimeout(
        'eventbridge PutEvents',
        15_000,
        this.#client.send(new PutEventsCommand({ Entries: entries })),
      );
      if ((out.FailedEntryCount ?? 0) > 0) {
        const failed = (out.Entries ?? []).flatMap((e, i) =>
          e.ErrorCode ? [{ id: chunk[i]?.event.id ?? '?', code: e.ErrorCode }] : [],
        );
        // Throttling and internal failures are outages; anything else is about the entry.
        const transient = failed.some((f) => /Throttl|InternalFailure|ServiceUnavailable/i.test(f.code));
        const message = `PutEvents refused ${failed.length} entr${failed.length === 1 ? 'y' : 'ies'}: ${[...new Set(failed.map((f) => f.code))].join(', ')}`;
        if (transient) throw new Error(message);
        throw new SinkRejectedError(
          message,
          failed.map((f) => f.id),
        );
      }
    }
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

/** Consecutive runs of at most {@link MAX_ENTRIES} events with no asset twice. */
function chunks(batch: readonly OutboundEvent[]): OutboundEvent[][] {
  const out: OutboundEvent[][] = [];
  let current: OutboundEvent[] = [];
  let keys = new Set<string>();
  for (const o of batch) {
    if (current.length === MAX_ENTRIES || keys.has(o.key)) {
      out.push(current);
      current = [];
      keys = new Set();
    }
    current.push(o);
    keys.add(o.key);
  }
  if (current.length > 0) out.push(current);
  return out;
}
