import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CliError } from '../common/errors';
import {
  isAlive,
  isSelfConnection,
  portInUse,
  readPid,
  runningPid,
  startProcess,
  stopProcess,
  tail,
  waitHealthy,
  type StartSpec,
} from './processes';
import { TmpDirs } from '../testing/tmp';

const tmp = new TmpDirs();
/** PIDs started here, stopped after each test whatever happened. */
const started: string[] = [];

afterEach(async () => {
  for (const pidFile of started.splice(0)) await stopProcess(pidFile, 500);
});
afterAll(() => tmp.cleanup());

function spec(name: string, script: string): StartSpec {
  const dir = tmp.make();
  const s: StartSpec = {
    name,
    command: 'sh',
    args: ['-c', script],
    env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin' },
    cwd: dir,
    logFile: path.join(dir, 'logs', `${name}.log`),
    pidFile: path.join(dir, 'run', `${name}.pid`),
  };
  started.push(s.pidFile);
  return s;
}

async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(20);
  }
}

describe('startProcess / runningPid / stopProcess', () => {
  it('starts a detached process, records its PID and appends its output to the log', async () => {
    const s = spec('echoer', 'echo started-ok; exec sleep 30');
    const pid = startProcess(s);
    expect(readPid(s.pidFile)).toBe(pid);
    expect(readFileSync(s.pidFile, 'utf8')).toBe(`${pid}\n`);
    expect(runningPid(s.pidFile)).toBe(pid);
    await until(() => existsSync(s.logFile) && readFileSync(s.logFile, 'utf8').includes('started-ok'));
    expect(readFileSync(s.logFile, 'utf8')).toBe('started-ok\n');
  });

  it('stops the whole process group, removes the PID file, and reports nothing left to stop', async () => {
    const s = spec('group', 'sleep 30 & echo $! > child.pid; wait');
    const pid = startProcess(s);
    const childFile = path.join(s.cwd, 'child.pid');
    await until(() => existsSync(childFile) && readFileSync(childFile, 'utf8').trim() !== '');
    const child = Number(readFileSync(childFile, 'utf8').trim());
    expect([isAlive(pid), isAlive(child)]).toEqual([true, true]);

    await expect(stopProcess(s.pidFile, 2000)).resolves.toBe(true);
    await until(() => !isAlive(child));
    expect({ leader: isAlive(pid), child: isAlive(child), pidFile: existsSync(s.pidFile) }).toEqual({
      leader: false,
      child: false,
      pidFile: false,
    });
    await expect(stopProcess(s.pidFile)).resolves.toBe(false);
  });

  it('kills with SIGKILL what ignores SIGTERM after the grace period', async () => {
    const s = spec('stubborn', "trap '' TERM; echo trapped; while :; do sleep 0.05; done");
    const pid = startProcess(s);
    await until(() => existsSync(s.logFile) && readFileSync(s.logFile, 'utf8').includes('trapped'));
    const t0 = Date.now();
    await expect(stopProcess(s.pidFile, 300)).resolves.toBe(true);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(300);
    expect(isAlive(pid)).toBe(false);
  });

  it('treats a stale or malformed PID file as not running and cleans up a stale one', async () => {
    const s = spec('gone', 'exit 0');
    const pid = startProcess(s);
    await until(() => !isAlive(pid));
    expect(runningPid(s.pidFile)).toBeUndefined();
    await expect(stopProcess(s.pidFile)).resolves.toBe(false);
    expect(existsSync(s.pidFile)).toBe(false);

    writeFileSync(s.pidFile, 'not-a-pid\n');
    expect([readPid(s.pidFile), runningPid(s.pidFile)]).toEqual([undefined, undefined]);
    writeFileSync(s.pidFile, '-5\n');
    expect(readPid(s.pidFile)).toBeUndefined();
    expect(readPid(path.join(s.cwd, 'missing.pid'))).toBeUndefined();
  });

  it('throws when the command cannot be spawned', () => {
    const s = { ...spec('nosuch', ''), command: path.join(tmp.make(), 'no-such-binary') };
    expect(() => startProcess(s)).toThrow(new CliError(`could not start nosuch (${s.command})`));
    expect(existsSync(s.pidFile)).toBe(false);
  });
});

describe('portInUse', () => {
  it('is true while a server listens and false once it has closed', async () => {
    const server = net.createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as net.AddressInfo;
    await expect(portInUse(port)).resolves.toBe(true);
    await new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
    await expect(portInUse(port)).resolves.toBe(false);
  });
});

describe('isSelfConnection', () => {
  it('recognises a socket connected to itself (what a probe of an unbound ephemeral port can get)', async () => {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as net.AddressInfo;
    const other = net.connect({ host: '127.0.0.1', port });
    await new Promise((resolve) => other.once('connect', resolve));
    expect(isSelfConnection(other)).toBe(false);
    other.destroy();
    await new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
    // Forcing the source port to the (now free) destination port: TCP simultaneous open.
    const self = net.connect({ host: '127.0.0.1', port, localAddress: '127.0.0.1', localPort: port });
    await new Promise((resolve, reject) => self.once('connect', resolve).once('error', reject));
    expect(isSelfConnection(self)).toBe(true);
    self.destroy();
  });
});

describe('waitHealthy', () => {
  it('resolves as soon as the probe says healthy', async () => {
    const s = spec('healthy', 'exec sleep 30');
    startProcess(s);
    let calls = 0;
    await expect(
      waitHealthy('healthy', s.pidFile, s.logFile, () => Promise.resolve(++calls >= 3), 5000),
    ).resolves.toBeUndefined();
    expect(calls).toBe(3);
  });

  it('fails early with the tail of the log when the process exits', async () => {
    const s = spec(
      'crasher',
      'for i in 1 2 3 4 5; do echo "line $i"; done; echo "fatal: bad config" >&2; exit 3',
    );
    startProcess(s);
    const t0 = Date.now();
    const err = await waitHealthy(
      'crasher',
      s.pidFile,
      s.logFile,
      () => Promise.reject(new Error('refused')),
      30_000,
    ).catch((e: unknown) => e);
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect(err).toBeInstanceOf(CliError);
    expect(err).toMatchObject({
      message: 'crasher exited during start-up',
      step: 'start crasher',
      detail: `last 6 lines of ${s.logFile}:\nline 1\nline 2\nline 3\nline 4\nline 5\nfatal: bad config`,
    });
  });

  it('gives up after the timeout with the log tail', async () => {
    const s = spec('slow', 'echo waiting; exec sleep 30');
    startProcess(s);
    await until(() => existsSync(s.logFile) && readFileSync(s.logFile, 'utf8') !== '');
    await expect(
      waitHealthy('slow', s.pidFile, s.logFile, () => Promise.resolve(false), 400),
    ).rejects.toMatchObject({
      name: 'CliError',
      message: 'slow did not become healthy within 0.4s',
      step: 'start slow',
      detail: `last 1 lines of ${s.logFile}:\nwaiting`,
    });
  });
});

describe('tail', () => {
  it('returns the last lines, or says there is no log', () => {
    const dir = tmp.make();
    const file = path.join(dir, 'x.log');
    expect(tail(file)).toBe(`(no log at ${file})`);
    writeFileSync(file, Array.from({ length: 30 }, (_, i) => `l${i + 1}`).join('\n') + '\n\n');
    expect(tail(file, 3)).toBe(`last 3 lines of ${file}:\nl28\nl29\nl30`);
    expect(tail(file).split('\n')).toHaveLength(21);
  });
});
