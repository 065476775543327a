import type { SinkConfig } from '../config/sinks-config';
import { EventBridgePublisher } from './eventbridge.publisher';
import { KafkaPublisher } from './kafka.publisher';
import { NatsPublisher } from './nats.publisher';
import type { SinkPublisher } from './sink-publisher';

/** The publisher of a configured sink: its bus's client (the default {@link SinkPublisherFactory}). */
export function newPublisher(config: Readonly<SinkConfig>): SinkPublisher {
  switch (config.kind) {
    case 'kafka':
      return new KafkaPublisher(config);
    case 'nats':
      return new NatsPublisher(config);
    case 'eventbridge':
      return new EventBridgePublisher(config);
  }
}
