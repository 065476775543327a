#!/usr/bin/env node
import { ReceiveMessageCommand, DeleteMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { Kafka, logLevel } from 'kafkajs';
import { connect, StringCodec } from 'nats';
import { resolveNetwork } from '../local/context';
import { connectAs } from '../local/gateway-client';
import { LocalNetwork } from '../local/network';

/**
 * The sinks benchmark's observer, a process of its own (the load generator's signing must not delay
 * what it timestamps). It watches commits as a raw Fabric client would (the Manufacturer peer's
 * chaincode events) and consumes each sink's bus the way an integrator would: a Kafka consumer, a
 * NATS JetStream push consumer, and SQS long polling behind the EventBridge rule. Prints
 * `commit|kafka|nats|sqs <event id> <epoch ms>` (first arrival of each) after `ready`.
 *
 * Usage: node infra/dist/bench/sinks-observer.js <network dir> <base port> <kafka> <nats> <moto url> <queue url> <topic> <stream>
 */
async function main(): Promise<void> {
  const [dir, basePort, kafkaAddr, natsAddr, motoUrl, queueUrl, topic, stream] = process.argv.slice(2);
  if (!dir || !basePort || !kafkaAddr || !natsAddr || !motoUrl || !queueUrl || !topic || !stream)
    throw new Error(
      'usage: sinks-observer <dir> <base port> <kafka> <nats> <moto url> <queue url> <topic> <stream>',
    );
  const now = () => performance.timeOrigin + performance.now();
  const seen = new Set<string>();
  const out = (kind: string, id: string, at: number) => {
    const key = `${kind} ${id}`;
    if (seen.has(key)) return;
    seen.add(key);
    process.stdout.write(`${key} ${at}\n`);
  };
  const idOf = (json: string): string => (JSON.parse(json) as { id: string }).id;
  let stopping = false;

  const kafka = new Kafka({ clientId: 'bench-observer', brokers: [kafkaAddr], logLevel: logLevel.NOTHING });
  // The topic exists before anyone subscribes (the sink would create it at its first publish).
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({
    topics: [{ topic, numPartitions: 3, replicationFactor: 1 }],
    waitForLeaders: true,
  });
  await admin.disconnect();
  const consumer = kafka.consumer({ groupId: `bench-${Date.now()}`, maxWaitTimeInMs: 20, minBytes: 1 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachMessage: ({ message }) => {
      out('kafka', idOf(message.value?.toString('utf8') ?? '{}'), now());
      return Promise.resolve();
    },
  });

  const nc = await connect({ servers: [natsAddr] });
  const codec = StringCodec();
  const js = nc.jetstream();
  void (async () => {
    // The stream appears when the sink first publishes.
    for (;;) {
      try {
        const c = await js.consumers.get(stream);
        const messages = await c.consume();
        for await (const m of messages) out('nats', idOf(codec.decode(m.data)), now());
        return;
      } catch {
        if (stopping) return;
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  })();

  const sqs = new SQSClient({
    region: 'us-east-1',
    endpoint: motoUrl,
    credentials: { accessKeyId: 'AKIAWBT0123456789012', secretAccessKey: 'moto-bench-secret' },
  });
  void (async () => {
    while (!stopping) {
      const r = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
      );
      const at = now();
      for (const m of r.Messages ?? [])
        out('sqs', (JSON.parse(m.Body ?? '{}') as { detail: { id: string } }).detail.id, at);
      if (r.Messages?.length)
        await sqs.send(
          new DeleteMessageBatchCommand({
            QueueUrl: queueUrl,
            Entries: r.Messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })),
          }),
        );
    }
  })().catch((err: unknown) => process.stderr.write(`sqs poller: ${String(err)}\n`));

  const net = new LocalNetwork(resolveNetwork({ dir, basePort: Number(basePort) }), () => undefined);
  const session = connectAs(net, 'Manufacturer', 'manufacturer-user1');
  const events = await session.network.getChaincodeEvents(net.topology.chaincode.name);
  process.stdout.write('ready\n');
  process.on('SIGTERM', () => {
    stopping = true;
    events.close();
    session.close();
    // The consumers' own loops may linger: leave after a short grace whatever they do.
    setTimeout(() => process.exit(0), 2_000).unref();
    void Promise.allSettled([consumer.disconnect(), nc.close()]).then(() => process.exit(0));
  });
  try {
    for await (const e of events) out('commit', `${e.transactionId}:${e.eventName}`, now());
  } catch {
    // closed on SIGTERM
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`sinks observer: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
