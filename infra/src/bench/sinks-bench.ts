import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, openSync, rmSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { EventBridgeClient, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { apiEnv } from '../local/apis';
import { type Broker, brokerPorts, startKafka, startMotoServer, startNats } from '../local/brokers';
import { PROJECT_ROOT, resolveNetwork } from '../local/context';
import { connectAs, sampleAssetInput } from '../local/gateway-client';
import { LocalNetwork } from '../local/network';
import type { Row } from './network-bench';
import { percentile } from './stats';

const run = promisify(execFile);

/** Count, mean and the p99 bucket bound of a sink's `waybill_sink_publish_seconds` in a /metrics text. */
export function publishCalls(
  metrics: string,
  sink: string,
): { count: number; meanMs: number; p99Ms: number } | undefined {
  let count = 0;
  let sum = 0;
  const buckets: { le: number; n: number }[] = [];
  for (const m of metrics.matchAll(/^waybill_sink_publish_seconds_(bucket|sum|count)\{([^}]*)\} (\S+)$/gm)) {
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)) labels[l[1] ?? ''] = l[2] ?? '';
    if (labels['sink'] !== sink) continue;
    const v = Number(m[3]);
    if (m[1] === 'count') count = v;
    else if (m[1] === 'sum') sum = v;
    else
      buckets.push({ le: labels['le'] === '+Inf' ? Number.POSITIVE_INFINITY : Number(labels['le']), n: v });
  }
  if (count === 0) return undefined;
  const p99 = buckets.sort((a, b) => a.le - b.le).find((b) => b.n >= 0.99 * count)?.le ?? Number.NaN;
  return { count, meanMs: (sum / count) * 1000, p99Ms: p99 * 1000 };
}

const CLI = path.join(PROJECT_ROOT, 'infra', 'dist', 'cli.js');
const SINKS = ['kafka', 'nats', 'eventbridge'] as const;
/** What the observer prints per sink (EventBridge is read behind its rule, from SQS). */
const SEEN_AS = { kafka: 'kafka', nats: 'nats', eventbridge: 'sqs' } as const;
const now = (): number => performance.timeOrigin + performance.now();

/**
 * Commit-to-sink latency and events per second of each sink (issue 15). Starts its own stack on
 * `basePort`, real brokers (KRaft Kafka, nats-server with JetStream, moto with an EventBridge rule
 * routing to SQS), and a Manufacturer gateway of its own with the three sinks; drives `createAsset`
 * through a raw Fabric client at a fixed rate, and matches each event as a consumer of each bus got
 * it with the moment a raw client saw it committed (both timestamps taken in one observer process).
 * For EventBridge the figure includes the rule's routing and SQS long polling.
 */
export async function sinksBench(options: {
  readonly basePort: number;
  readonly ratePerSecond: number;
  readonly seconds: number;
}): Promise<Row[]> {
  const dir = path.join(PROJECT_ROOT, '.network', 'bench-sinks');
  const flags = ['--dir', dir, '--base-port', String(options.basePort)];
  const ports = brokerPorts(options.basePort);
  const brokers: Broker[] = [];
  let gateway: ChildProcess | undefined;
  let observer: ChildProcess | undefined;
  const rows: Row[] = [];
  try {
    await run(process.execPath, [CLI, 'network', 'clean', ...flags], { timeout: 120_000 });
    await run(process.execPath, [CLI, 'stack', 'up', '--mode', 'ccaas', ...flags], { timeout: 1_800_000 });
    const [kafka, nats, moto] = await Promise.all([
      startKafka(PROJECT_ROOT, ports.kafka, ports.kafkaController),
      startNats(PROJECT_ROOT, ports.nats),
      startMotoServer(PROJECT_ROOT, ports.moto),
    ]);
    brokers.push(kafka, nats, moto);
    const motoUrl = `http://${moto.address}`;
    const aws = {
      region: 'us-east-1',
      endpoint: motoUrl,
      credentials: { accessKeyId: 'AKIAWBT0123456789012', secretAccessKey: 'moto-bench-secret' },
    };
    const sqs = new SQSClient(aws);
    const eb = new EventBridgeClient(aws);
    const queueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: 'bench-events' }))).QueueUrl ?? '';
    const arn = (
      await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }))
    ).Attributes?.['QueueArn'];
    await eb.send(
      new PutRuleCommand({ Name: 'bench', EventPattern: JSON.stringify({ source: ['io.waybill'] }) }),
    );
    await eb.send(new PutTargetsCommand({ Rule: 'bench', Targets: [{ Id: 'q', Arn: arn }] }));
    sqs.destroy();
    eb.destroy();

    const net = new LocalNetwork(resolveNetwork({ dir, basePort: options.basePort }), () => undefined);
    const org = net.topology.peerOrgs.find((o) => o.key === 'manufacturer');
    if (!org) throw new Error('no Manufacturer organisation in the topology');
    const port = options.basePort + 1099;
    const data = path.join(dir, 'sinks-gateway');
    mkdirSync(data, { recursive: true });
    const log = openSync(path.join(data, 'gateway.log'), 'a');
    gateway = spawn(process.execPath, [path.join(PROJECT_ROOT, 'gateway-api', 'dist', 'main.js')], {
      stdio: ['ignore', log, log],
      env: {
        ...apiEnv(net, org),
        PORT: String(port),
        DATABASE_URL: path.join(data, 'gateway.sqlite'),
        WAYBILL_LOG_LEVEL: 'warn',
        WAYBILL_SINKS: JSON.stringify([
          { name: 'kafka', kind: 'kafka', brokers: [kafka.address], topic: 'bench.events' },
          {
            name: 'nats',
            kind: 'nats',
            servers: [`nats://${nats.address}`],
            stream: 'BENCH',
            subjectPrefix: 'bench',
          },
          { name: 'eventbridge', kind: 'eventbridge', region: 'us-east-1', endpoint: motoUrl },
        ]),
        AWS_ACCESS_KEY_ID: aws.credentials.accessKeyId,
        AWS_SECRET_ACCESS_KEY: aws.credentials.secretAccessKey,
        AWS_REGION: 'us-east-1',
        AWS_CONFIG_FILE: '/dev/null',
        AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
      },
    });
    for (let i = 0; ; i++) {
      const ok = await fetch(`http://127.0.0.1:${port}/health/ready`).then(
        (r) => r.status === 200,
        () => false,
      );
      if (ok) break;
      if (gateway.exitCode !== null || i > 600)
        throw new Error(`the sinks gateway did not start; see ${data}/gateway.log`);
      await sleep(100);
    }

    // The observer: commits and every bus, timestamped in one process.
    observer = spawn(
      process.execPath,
      [
        path.join(__dirname, 'sinks-observer.js'),
        dir,
        String(options.basePort),
        kafka.address,
        nats.address,
        motoUrl,
        queueUrl,
        'bench.events',
        'BENCH',
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const seen = new Map<string, Map<string, number>>(
      ['commit', 'kafka', 'nats', 'sqs'].map((k) => [k, new Map()]),
    );
    const lines = createInterface({ input: observer.stdout! });
    const exited = new Promise<never>((_, reject) =>
      observer!.once('exit', (c) => reject(new Error(`sinks observer exited (${c ?? 'signal'})`))),
    );
    await Promise.race([
      exited,
      new Promise<void>((resolve) =>
        lines.on('line', (line) => {
          const [kind, id, at] = line.split(' ');
          if (kind === 'ready') resolve();
          else if (kind && id) seen.get(kind)?.set(id, Number(at));
        }),
      ),
    ]);

    const client = connectAs(net, 'Manufacturer', 'manufacturer-user1');
    try {
      const submit = async (id: string): Promise<string> => {
        const proposal = client.contract.newProposal('createAsset', { arguments: [sampleAssetInput(id)] });
        const status = await (await (await proposal.endorse()).submit()).getStatus();
        if (!status.successful)
          throw new Error(`transaction ${proposal.getTransactionId()} invalid: ${status.code}`);
        return `${proposal.getTransactionId()}:AssetCreated`;
      };
      const arrived = (ids: readonly string[]) =>
        ids.every((id) => seen.get('commit')?.has(id) && SINKS.every((s) => seen.get(SEEN_AS[s])?.has(id)));
      const waitAll = async (ids: readonly string[], ms: number) => {
        const end = Date.now() + ms;
        while (!arrived(ids) && Date.now() < end) {
          if (observer?.exitCode !== null) throw new Error('the sinks observer exited; see its error above');
          await sleep(50);
        }
      };
      // Warm-up: connections, topic and stream creation, the first PutEvents.
      await waitAll([await submit(`bench-sink-warm-${Date.now()}`)], 120_000);

      const n = options.ratePerSecond * options.seconds;
      const interval = 1000 / options.ratePerSecond;
      const started = now();
      const pending: Promise<string>[] = [];
      for (let i = 0; i < n; i++) {
        const due = started + i * interval;
        if (due > now()) await sleep(due - now());
        pending.push(submit(`bench-sink-${Date.now()}-${i}`));
      }
      const ids = await Promise.all(pending);
      await waitAll(ids, 120_000);
      const commit = seen.get('commit')!;
      for (const sink of SINKS) {
        const got = seen.get(SEEN_AS[sink])!;
        const lat = ids
          .map((id) => (got.get(id) ?? Number.NaN) - (commit.get(id) ?? Number.NaN))
          .filter((ms) => !Number.isNaN(ms))
          .sort((a, b) => a - b);
        const first = Math.min(...ids.map((id) => commit.get(id) ?? Infinity));
        const last = Math.max(...ids.map((id) => got.get(id) ?? 0));
        rows.push({
          metric: `commit-to-${sink} latency${sink === 'eventbridge' ? ' (→ rule → SQS)' : ''}, ${options.ratePerSecond} tx/s for ${options.seconds} s (n=${n}, received ${lat.length})`,
          value: `p50 ${percentile(lat, 50).toFixed(0)} ms, p99 ${percentile(lat, 99).toFixed(0)} ms, max ${(lat[lat.length - 1] ?? Number.NaN).toFixed(0)} ms`,
          target: 'p99 ≤ 250 ms',
        });
        rows.push({
          metric: `${sink}: events received per second at that load`,
          value: `${(lat.length / ((last - first) / 1000)).toFixed(1)} events/s`,
        });
      }
      // The bus's own share, as the gateway saw it: its publish calls until acknowledged.
      const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      for (const sink of SINKS) {
        const calls = publishCalls(metrics, sink);
        if (calls)
          rows.push({
            metric: `${sink}: the gateway's publish calls until acknowledged (waybill_sink_publish_seconds, ${calls.count} calls)`,
            value: `mean ${calls.meanMs.toFixed(0)} ms, p99 ≤ ${calls.p99Ms} ms (histogram bucket)`,
          });
      }
    } finally {
      client.close();
    }
  } finally {
    observer?.kill('SIGTERM');
    // Whatever the observer does, it must not keep this process (and the caller's lock) alive.
    setTimeout(() => observer?.kill('SIGKILL'), 5_000).unref();
    observer?.stdout?.destroy();
    gateway?.kill('SIGTERM');
    await Promise.all(brokers.map((b) => b.stop().catch(() => undefined)));
    await run(process.execPath, [CLI, 'network', 'clean', ...flags], { timeout: 120_000 }).catch(
      () => undefined,
    );
    rmSync(path.join(dir, 'sinks-gateway'), { recursive: true, force: true });
  }
  return rows;
}
