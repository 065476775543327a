import { setTimeout as sleep } from 'node:timers/promises';
import {
  EventBridgeClient,
  PutEventsCommand,
  PutRuleCommand,
  PutTargetsCommand,
} from '@aws-sdk/client-eventbridge';
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { Kafka, logLevel } from 'kafkajs';
import { connect, StringCodec } from 'nats';
import { type Broker, brokerPorts, startKafka, startMotoServer, startNats } from '../local/brokers';
import { PROJECT_ROOT } from '../local/context';
import type { Row } from './network-bench';
import { percentile } from './stats';

const now = (): number => performance.timeOrigin + performance.now();
const BUSES = ['kafka', 'nats', 'eventbridge'] as const;
type Bus = (typeof BUSES)[number];

function summary(sample: readonly number[]): string {
  const s = [...sample].sort((a, b) => a - b);
  return `p50 ${percentile(s, 50).toFixed(0)} ms, p99 ${percentile(s, 99).toFixed(0)} ms, max ${(s[s.length - 1] ?? Number.NaN).toFixed(0)} ms (n=${s.length})`;
}

/**
 * The floor under the sinks benchmark: the same brokers (KRaft Kafka, nats-server with JetStream,
 * moto with an EventBridge rule routing to SQS) and the same consumers as `sinks`, with no Fabric
 * network and no gateway in between: a client publishes one event at a time at `ratePerSecond`, set
 * up as the gateway's publishers are (kafkajs idempotent producer with acks from all in-sync
 * replicas; JetStream publish with a message ID; PutEvents with one entry), and the figures are
 * publish → acknowledgement and publish → consumer. Also moto's own cost of one PutEvents call, with
 * a rule that routes to SQS and with none matching. Needs no Fabric network (no lock).
 */
export async function sinksFloorBench(options: {
  readonly basePort: number;
  readonly ratePerSecond: number;
  readonly events: number;
}): Promise<Row[]> {
  const ports = brokerPorts(options.basePort);
  const brokers: Broker[] = [];
  const rows: Row[] = [];
  try {
    const [kafkaBroker, natsBroker, moto] = await Promise.all([
      startKafka(PROJECT_ROOT, ports.kafka, ports.kafkaController),
      startNats(PROJECT_ROOT, ports.nats),
      startMotoServer(PROJECT_ROOT, ports.moto),
    ]);
    brokers.push(kafkaBroker, natsBroker, moto);
    const aws = {
      region: 'us-east-1',
      endpoint: `http://${moto.address}`,
      credentials: { accessKeyId: 'AKIAWBT0123456789012', secretAccessKey: 'moto-bench-secret' },
    };
    const sqs = new SQSClient(aws);
    const eb = new EventBridgeClient({ ...aws, maxAttempts: 2 });
    const queueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: 'floor-events' }))).QueueUrl ?? '';
    const arn = (
      await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }))
    ).Attributes?.['QueueArn'];
    await eb.send(
      new PutRuleCommand({ Name: 'floor', EventPattern: JSON.stringify({ source: ['io.waybill'] }) }),
    );
    await eb.send(new PutTargetsCommand({ Rule: 'floor', Targets: [{ Id: 'q', Arn: arn }] }));

    const arrived: Record<Bus, Map<string, number>> = {
      kafka: new Map(),
      nats: new Map(),
      eventbridge: new Map(),
    };
    const first = (bus: Bus, id: string, at: number) => {
      if (!arrived[bus].has(id)) arrived[bus].set(id, at);
    };
    const idOf = (json: string): string => (JSON.parse(json) as { id: string }).id;
    let stopping = false;

    // Kafka: the topic first, then a consumer as the observer of `sinks` runs it.
    const kafka = new Kafka({
      clientId: 'floor',
      brokers: [kafkaBroker.address],
      logLevel: logLevel.NOTHING,
    });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({
      topics: [{ topic: 'floor.events', numPartitions: 3, replicationFactor: 1 }],
      waitForLeaders: true,
    });
    await admin.disconnect();
    const consumer = kafka.consumer({ groupId: `floor-${Date.now()}`, maxWaitTimeInMs: 20, minBytes: 1 });
    await consumer.connect();
    await consumer.subscribe({ topic: 'floor.events', fromBeginning: true });
    await consumer.run({
      eachMessage: ({ message }) => {
        first('kafka', idOf(message.value?.toString('utf8') ?? '{}'), now());
        return Promise.resolve();
      },
    });
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();

    // NATS JetStream: the stream, a consumer of it, and the publishing client.
    const nc = await connect({ servers: [natsBroker.address] });
    const codec = StringCodec();
    await (await nc.jetstreamManager()).streams.add({ name: 'FLOOR', subjects: ['floor.>'] });
    const js = nc.jetstream({ timeout: 5_000 });
    const natsConsumer = await (await js.consumers.get('FLOOR')).consume();
    void (async () => {
      for await (const m of natsConsumer) first('nats', idOf(codec.decode(m.data)), now());
    })();

    // EventBridge → rule → SQS, read by 1-second long polls as in `sinks`.
    const poller = (async () => {
      while (!stopping) {
        const r = await sqs.send(
          new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
        );
        const at = now();
        for (const m of r.Messages ?? [])
          first('eventbridge', (JSON.parse(m.Body ?? '{}') as { detail: { id: string } }).detail.id, at);
        if (r.Messages?.length)
          await sqs.send(
            new DeleteMessageBatchCommand({
              QueueUrl: queueUrl,
              Entries: r.Messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })),
            }),
          );
      }
    })();

    const publish: Record<Bus, (id: string, json: string) => Promise<unknown>> = {
      kafka: (id, json) =>
        producer.send({ topic: 'floor.events', acks: -1, messages: [{ key: id, value: json }] }),
      nats: (id, json) =>
        js.publish(`floor.io.waybill.asset.created.${id}`, codec.encode(json), { msgID: id }),
      eventbridge: (_id, json) =>
        eb.send(
          new PutEventsCommand({
            Entries: [{ Source: 'io.waybill', DetailType: 'io.waybill.asset.created', Detail: json }],
          }),
        ),
    };
    const event = (i: number) => {
      const id = `floor-${Date.now()}-${i}`;
      return { id, json: JSON.stringify({ specversion: '1.0', id, type: 'io.waybill.asset.created' }) };
    };
    // Warm-up: connections, the first PutEvents, the stream's and topic's first write.
    for (const bus of BUSES) {
      const e = event(-1);
      await publish[bus](e.id, e.json);
    }

    const sent = new Map<string, number>();
    const acked: Record<Bus, number[]> = { kafka: [], nats: [], eventbridge: [] };
    const ids: string[] = [];
    const pending: Promise<void>[] = [];
    const interval = 1000 / options.ratePerSecond;
    const started = now();
    for (let i = 0; i < options.events; i++) {
      const due = started + i * interval;
      if (due > now()) await sleep(due - now());
      const e = event(i);
      ids.push(e.id);
      const at = now();
      sent.set(e.id, at);
      for (const bus of BUSES)
        pending.push(publish[bus](e.id, e.json).then(() => void acked[bus].push(now() - at)));
    }
    await Promise.all(pending);
    const end = Date.now() + 30_000;
    while (Date.now() < end && !BUSES.every((b) => ids.every((id) => arrived[b].has(id)))) await sleep(50);

    for (const bus of BUSES) {
      const seen = ids.flatMap((id) => {
        const at = arrived[bus].get(id);
        return at === undefined ? [] : [at - (sent.get(id) ?? Number.NaN)];
      });
      const label = bus === 'eventbridge' ? 'eventbridge (moto) → rule → SQS' : bus;
      rows.push({
        metric: `floor, ${bus}: publish → acknowledgement, ${options.ratePerSecond}/s, one event per call`,
        value: summary(acked[bus]),
      });
      rows.push({
        metric: `floor, ${label}: publish → consumer, ${options.ratePerSecond}/s (received ${seen.length}/${ids.length})`,
        value: summary(seen),
      });
    }

    // moto's own cost of one PutEvents, sequential calls 100 ms apart.
    for (const [what, source] of [
      ['a rule routing to SQS', 'io.waybill'],
      ['no rule matching', 'io.elsewhere'],
    ] as const) {
      const took: number[] = [];
      for (let i = 0; i < 50; i++) {
        const t = now();
        await eb.send(
          new PutEventsCommand({
            Entries: [{ Source: source, DetailType: 'x', Detail: JSON.stringify({ id: `cost-${i}` }) }],
          }),
        );
        took.push(now() - t);
        await sleep(100);
      }
      rows.push({ metric: `moto: one PutEvents call (one entry, ${what})`, value: summary(took) });
    }

    stopping = true;
    await poller.catch(() => undefined);
    natsConsumer.stop();
    await Promise.allSettled([consumer.disconnect(), producer.disconnect(), nc.close()]);
    sqs.destroy();
    eb.destroy();
  } finally {
    await Promise.all(brokers.map((b) => b.stop().catch(() => undefined)));
  }
  return rows;
}
