import { Kafka, logLevel, type Producer } from 'kafkajs';
import type { KafkaSinkConfig } from '../config/sinks-config';
import { type OutboundEvent, type SinkPublisher, withTimeout } from './sink-publisher';

/**
 * Apache Kafka through kafkajs: one topic, each message keyed by the event's primary asset, so the
 * default partitioner puts an asset's events on one partition, in order. An idempotent producer
 * (one request in flight, acks from all in-sync replicas) so its own retries neither reorder nor
 * duplicate; the value is the structured CloudEvent (`content-type: application/cloudevents+json`,
 * the CloudEvents Kafka binding's structured mode) and the headers repeat `ce_id` and `ce_type`.
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
      await withTimeout(
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
    } catch (err) {
      // A failed producer may be half-connected: start over at the next attempt.
      await this.close();
      throw err;
    }
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
