import { Kafka, logLevel, type Producer } from 'kafkajs';
import type { KafkaSinkConfig } from '../config/sinks-config';
import { type OutboundEvent, type SinkPublisher, SinkRejectedError, withTimeout } from './sink-publisher';

/**
 * Broker errors about the records themselves (non-retriable in Kafka's protocol): the topic's
 * `max.message.bytes` or the broker's limits refuse them. Repeating them will not help; anything
 * else (no leader, timeouts, a broker down) is an outage.
 */
const REFUSALS = new Set([
  'MESSAGE_TOO_LARGE',
  'RECORD_LIST_TOO_LARGE',
  'INVALID_RECORD',
  'INVALID_TIMESTAMP',
]);

/** The refusal in a send error (kafkajs may wrap the broker's error), or undefined for an outage. */
export function kafkaRefusal(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; typeof e === 'object' && e !== null && depth < 3; depth++) {
    const x = e as { type?: unknown; message?: unknown; originalError?: unknown; cause?: unknown };
    if (typeof x.type === 'string' && REFUSALS.has(x.type))
      return `Kafka refused the record: ${typeof x.message === 'string' ? x.message : x.type} (${x.type})`;
    e = x.originalError ?? x.cause;
  }
  return undefined;
}

/**
 * Apache Kafka through kafkajs: one topic, each message keyed by the event's primary asset, so the
 * default partitioner puts an asset's events on one partition, in order. An idempotent producer
 * (one request in flight, acks from all in-sync replicas) so its own retries neither reorder nor
 * duplicate; the value is the structured CloudEvent (`content-type: application/cloudevents+json`,
 * the CloudEvents Kafka binding's structured mode) and the headers repeat `ce_id` and `ce_type`.
 * A record the broker refuses for what it is (too large for the topic) is a {@link SinkRejectedError}
 * (dead-lettered after the attempts), not an outage.
 */
export class KafkaPublisher implements SinkPublisher {
  readonly #kafka: Kafka;
  #producer: Producer | undefined;

  constructor(private readonly config: Readonly<KafkaSinkConfig>) {
    this.#kafka = new Kafka({
      clientId: config.clientId,
      brokers: [...config.brokers],
      connectionTimeout: 3_000,
      requestTimeout: 10_000,
      retry: { retries: 2, initialRetryTime: 200, maxRetryTime: 2_000 },
      logLevel: logLevel.NOTHING,
    });
  }

  async publish(batch: readonly OutboundEvent[]): Promise<void> {
    try {
      const producer = await this.#connected();
      try {
        await this.#send(producer, batch);
      } catch (err) {
        if (kafkaRefusal(err) === undefined) throw err;
        // Refused for what it holds: the batch as a whole may be too large, or one record. One by
        // one, in order, finds out: the records before a refused one are acknowledged.
        for (const o of batch) {
          try {
            await this.#send(producer, [o]);
          } catch (one) {
            const refusal = kafkaRefusal(one);
            if (refusal !== undefined) throw new SinkRejectedError(refusal, [o.event.id]);
            throw one;
          }
        }
      }
    } catch (err) {
      // A failed producer may be half-connected: start over at the next attempt (a refusal leaves it sound).
      if (!(err instanceof SinkRejectedError)) await this.close();
      throw err;
    }
  }

  #send(producer: Producer, batch: readonly OutboundEvent[]): Promise<unknown> {
    return withTimeout(
      'kafka send',
      20_000,
      producer.send({
        topic: this.config.topic,
        acks: -1,
        messages: batch.map((o) => ({
          key: o.key,
          value: o.json,
          timestamp: String(o.event.timestamp),
          headers: { 'content-type': 'application/cloudevents+json', ce_id: o.event.id, ce_type: o.type },
        })),
      }),
    );
  }

  async #connected(): Promise<Producer> {
    if (this.#producer) return this.#producer;
    const producer = this.#kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: true,
    });
    await withTimeout('kafka connect', 10_000, producer.connect());
    this.#producer = producer;
    return producer;
  }

  async close(): Promise<void> {
    const producer = this.#producer;
    this.#producer = undefined;
    await producer?.disconnect().catch(() => undefined);
  }
}
