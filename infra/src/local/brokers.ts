import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { runToolSync } from '../common/run-tool';

/**
 * Message brokers as local processes on loopback ports, for the integrations tests and the sinks
 * benchmark: Debian's nats-server with JetStream (scripts/nats.sh installs it), a single-node KRaft
 * Apache Kafka from Maven Central's jars run with the machine's Java (scripts/kafka.sh), and moto in
 * server mode (scripts/moto.sh) for EventBridge and SQS.
 */
export interface Broker {
  /** `127.0.0.1:<port>`. */
  readonly address: string;
  readonly port: number;
  readonly log: string;
  /** Kills the process (SIGKILL: an outage, not a shutdown); its data stays for {@link start}. */
  kill(): Promise<void>;
  /** Starts it again on the same port and data. */
  start(): Promise<void>;
  /** Stops it and removes its data. */
  stop(): Promise<void>;
}

/** Ports from a base port: + 1090 moto, + 1095 NATS, + 1097/1098 Kafka broker/controller. */
export function brokerPorts(basePort: number): {
  moto: number;
  nats: number;
  kafka: number;
  kafkaController: number;
} {
  return {
    moto: basePort + 1090,
    nats: basePort + 1095,
    kafka: basePort + 1097,
    kafkaController: basePort + 1098,
  };
}

export function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });
}

function ensure(root: string, script: string): string {
  return runToolSync('bash', [path.join(root, 'scripts', script), 'ensure'], {
    cwd: root,
    inheritStderr: true,
    timeoutMs: 15 * 60 * 1000,
    failure: `scripts/${script} ensure`,
  }).trim();
}

/** A process that is started (and restarted) by `launch` and is ready once `port` accepts. */
function managed(
  name: string,
  port: number,
  dir: string,
  log: string,
  launch: (out: number) => ChildProcess,
  readyMs: number,
): Broker {
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  const kill = async (): Promise<void> => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
    child = undefined;
    // The port is free again before a restart binds it.
    for (let i = 0; i < 50 && (await listening(port)); i++) await new Promise((r) => setTimeout(r, 100));
  };
  const start = async (): Promise<void> => {
    if (await listening(port)) throw new Error(`port ${port} for ${name} is already in use`);
    const out = openSync(log, 'a');
    const c = launch(out);
    child = c;
    exited = new Promise<void>((resolve) => c.once('exit', () => resolve()));
    const deadline = Date.now() + readyMs;
    while (!(await listening(port))) {
      if (c.exitCode !== null || Date.now() > deadline) {
        await kill();
        throw new Error(
          `${name} did not start on port ${port}; its log:\n${readFileSync(log, 'utf8').slice(-3000)}`,
        );
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  };
  const stop = async (): Promise<void> => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    const forced = setTimeout(() => child?.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(forced);
    child = undefined;
    rmSync(dir, { recursive: true, force: true });
  };
  return { address: `127.0.0.1:${port}`, port, log, kill, start, stop };
}

/** nats-server with JetStream (file store in a temporary folder), started. */
export async function startNats(root: string, port: number): Promise<Broker> {
  const bin = ensure(root, 'nats.sh');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'waybill-nats-'));
  const log = path.join(dir, 'nats.log');
  const broker = managed(
    'nats-server',
    port,
    dir,
    log,
    (out) =>
      spawn(
        bin,
        ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', path.join(dir, 'js'), '-n', 'waybill-test'],
        {
          stdio: ['ignore', out, out],
        },
      ),
    30_000,
  );
  await broker.start();
  return broker;
}

/** A single-node KRaft Kafka (3 partitions per new topic, topics created on first use), started. */
export async function startKafka(root: string, port: number, controller: number): Promise<Broker> {
  const libs = ensure(root, 'kafka.sh');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'waybill-kafka-'));
  const log = path.join(dir, 'kafka.log');
  const props = path.join(dir, 'server.properties');
  writeFileSync(
    props,
    [
      'process.roles=broker,controller',
      'node.id=1',
      `controller.quorum.voters=1@127.0.0.1:${controller}`,
      `listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controller}`,
      `advertised.listeners=PLAINTEXT://127.0.0.1:${port}`,
      'controller.listener.names=CONTROLLER',
      'listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
      'inter.broker.listener.name=PLAINTEXT',
      `log.dirs=${path.join(dir, 'data')}`,
      'num.partitions=3',
      'auto.create.topics.enable=true',
      'offsets.topic.replication.factor=1',
      'transaction.state.log.replication.factor=1',
      'transaction.state.log.min.isr=1',
      'group.initial.rebalance.delay.ms=0',
      '',
    ].join('\n'),
  );
  const log4j = path.join(dir, 'log4j.properties');
  writeFileSync(
    log4j,
    [
      'log4j.rootLogger=WARN, stdout',
      'log4j.appender.stdout=org.apache.log4j.ConsoleAppender',
      'log4j.appender.stdout.layout=org.apache.log4j.PatternLayout',
      'log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n',
      '',
    ].join('\n'),
  );
  const java = ['-Xms128m', '-Xmx512m', '-cp', `${libs}/*`, `-Dlog4j.configuration=file:${log4j}`];
  // A KRaft node's storage is formatted once with a cluster ID (16 random bytes, base64url).
  runToolSync('java', [...java, 'kafka.tools.StorageTool', 'format', `--cluster-id=${randomBytes(16).toString('base64url')}`, '-c', props], {
    timeoutMs: 120_000,
    failure: 'formatting the Kafka storage',
  });
  const broker = managed(
    'kafka',
    port,
    dir,
    log,
    (out) => spawn('java', [...java, 'kafka.Kafka', props], { stdio: ['ignore', out, out] }),
    120_000,
  );
  await broker.start();
  return broker;
}

/** moto in server mode (every service; the sinks use EventBridge and SQS), started. */
export async function startMotoServer(root: string, port: number): Promise<Broker> {
  const python = ensure(root, 'moto.sh');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'waybill-moto-'));
  const log = path.join(dir, 'moto.log');
  const broker = managed(
    'moto',
    port,
    dir,
    log,
    (out) =>
      spawn(python, ['-m', 'moto.server', '-H', '127.0.0.1', '-p', String(port)], {
        stdio: ['ignore', out, out],
        env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? os.tmpdir() },
      }),
    60_000,
  );
  await broker.start();
  return broker;
}
