import { connect, type JetStreamClient, type NatsConnection, StringCodec } from 'nats';
import type { NatsSinkConfig } from '../config/sinks-config';
import { type OutboundEvent, type SinkPublisher, withTimeout } from './sink-publisher';

const codec = StringCodec();
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
 * `<prefix>.>`) is created when missing.
 */
export class NatsPublisher implements SinkPublisher {
  #nc: NatsConnection | undefined;
  #js: JetStreamClient | undefined;

  constructor(private readonly config: Readonly<NatsSinkConfig>) {}

  async publish(batch: readonly OutboundEvent[]): Promise<void> {
    try {
      const js = await this.#connected();
      for (const o of batch) {
        await js.publish(natsSubject(this.config.subjectPrefix, o.type, o.key), codec.encode(o.json), {
          msgID: o.event.id,
          timeout: 5_000,
          headers: undefined,
        });
      }
    } catch (err) {
      await this.close();
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
