import {
  type Broker,
  brokerPorts,
  listening,
  startKafka as kafka,
  startNats as nats,
} from '../../infra/src/local/brokers';
import { env } from './fabric';

/**
 * The message brokers of the integrations suite (infra/src/local/brokers.ts), real processes on
 * ports from the e2e base port: NATS + 1095, Kafka + 1097/1098.
 */
export type { Broker };
export { listening };

export function startNats(): Promise<Broker> {
  return nats(env.root, brokerPorts(Number(env.basePort)).nats);
}

export function startKafka(): Promise<Broker> {
  const p = brokerPorts(Number(env.basePort));
  return kafka(env.root, p.kafka, p.kafkaController);
}
