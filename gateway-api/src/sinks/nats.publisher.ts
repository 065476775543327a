import { connect, type JetStreamClient, type NatsConnection, StringCodec } from 'nats';
import type { NatsSinkConfig } from '../config/sinks-config';
import { type OutboundEvent, type SinkPublisher, SinkRejectedError, withTimeout } from './sink-publisher';

const codec = StringCodec();

/**
 * JetStream API errors about the message itself, not the server: the stream's limits refuse it
 * (10054 message size exceeds maximum allowed, 10077 maximum messages per subject exceeded with
 * discard-new per subject). Repeating it will not help; anything else (no stream, no responders,
 * timeouts) is an outage.
 */
const REFUSALS = new Set([10054, 10077]);

/** The refusal in a publish error, or undefined when the error is an outage. */
export function natsRefusal(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const e = err as { code?: unknown; api_error?: { err_code?: unknown; description?: unknown } };
  // The client's own check against the server's max_payload.
  if (e.code === 'MAX_PAYLOAD_EXCEEDED')
    return 'message larger than the server max_payload (MAX_PAYLOAD_EXCEEDED)';
  const code = e.api_error?.err_code;
  const description = e.api_error?.description;
  if (typeof code === 'number' && REFUSALS.has(code))
    return `JetStream refused the message: ${typeof description === 'string' ? description : 'stream limit'} (${code})`;
  return undefined;
}
/** JetStream's de-duplication window of the stream the sink creates (by `Nats-Msg-Id`). */
const DUPLICATE_WINDOW_NS = 10 * 60 * 1e9;

/**
 * The subject of an event: `<prefix>.<CloudEvents type>.<asset>`, e.g.
 * `waybill.io.waybill.handover.proposed.LOT-1`. A `.` in an asset ID (a subject separator) becomes
 * `_`; an event about no asset goes to `…._`. Consumers filter per type (`waybill.io.waybill.handover.>`)
 * or per asset (`waybill.*.*.*.*.LOT-1`).
 */
export function natsSubject(prefix: string, type: string, asset: string): string {
  const token = asset === '' ? '_' : asset.replace(/[.*>\s]/g, '_');
  return `${prefix}.${type}.${token}`;
}

/**
 * NATS JetStream through the `nats` client: each event published (and acknowledged by the stream)
 * one after the other, so per-asset order is the stream's order, with the event ID as `Nats-Msg-Id`
 * so JetStream itself drops a repeat within its de-duplication window. The stream (subjects
 * `<prefix>.>`) is created when missing. A message the stream's limits refuse is a
 * {@link SinkRejectedError} (dead-lettered after the attempts), not an outage.
 */
export class NatsPublisher implements SinkPublisher {
  #nc: NatsConnection | undefined;
  #js: JetStreamClient | undefined;

  constructor(private readonly config: Readonly<NatsSinkConfig>) {}

  async publish(batch: readonly OutboundEvent[]): Promise<void> {
    try {
      const js = await this.#connected();
      for (const o of batch) {
        try {
          await js.publish(natsSubject(this.config.subjectPrefix, o.type, o.key), codec.encode(o.json), {
            msgID: o.event.id,
            timeout: 5_000,
            headers: undefined,
          });
        } catch (err) {
          const refusal = natsRefusal(err);
          // The connection is fine: keep it; the events before this one were acknowledged.
          if (refusal !== undefined) throw new SinkRejectedError(refusal, [o.event.id]);
          throw err;
        }
      }
    } catch (err) {
      if (!(err instanceof SinkRejectedError)) await this.close();
      throw err;
    }
  }

  async #connected(): Promise<JetStreamClient> {
    if (this.#js) return this.#js;
    // No reconnect loop inside the client: the sink's own backoff decides when to try again.
    const nc = await withTimeout(
      'nats connect',
      5_000,
      connect({
        servers: [...this.config.servers],
        name: 'waybill-gateway',
        reconnect: false,
        timeout: 3_000,
      }),
    );
    try {
      const jsm = await nc.jetstreamManager({ timeout: 5_000 });
      try {
        await jsm.streams.info(this.config.stream);
      } catch {
        await jsm.streams.add({
          name: this.config.stream,
          subjects: [`${this.config.subjectPrefix}.>`],
          duplicate_window: DUPLICATE_WINDOW_NS,
        });
      }
    } catch (err) {
      await nc.close().catch(() => undefined);
      throw err;
    }
    this.#nc = nc;
    this.#js = nc.jetstream({ timeout: 5_000 });
    return this.#js;
  }

  async close(): Promise<void> {
    const nc = this.#nc;
    this.#nc = undefined;
    this.#js = undefined;
    await nc?.close().catch(() => undefined);
  }
}
