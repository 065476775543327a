import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync, closeSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import net from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CliError } from '../common/errors';

export interface StartSpec {
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
  readonly logFile: string;
  readonly pidFile: string;
}

/** Is a process with this PID alive (and not a zombie)? */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^\d+ \(.*\) Z/.test(stat);
  } catch {
    return true;
  }
}

export function readPid(pidFile: string): number | undefined {
  if (!existsSync(pidFile)) return undefined;
  const pid = Number.parseInt(readFileSync(pidFile, 'utf8').trim(), 10);
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

/** The PID from the pid file if that process still runs. */
export function runningPid(pidFile: string): number | undefined {
  const pid = readPid(pidFile);
  return pid !== undefined && isAlive(pid) ? pid : undefined;
}

/**
 * Starts a node in the background, in its own process group (so that `stop` also ends the
 * chaincode processes a peer launches), output appended to its log file, PID in its pid file.
 */
export function startProcess(spec: StartSpec): number {
  mkdirSync(path.dirname(spec.logFile), { recursive: true });
  mkdirSync(path.dirname(spec.pidFile), { recursive: true });
  const fd = openSync(spec.logFile, 'a');
  try {
    const child = spawn(spec.command, [...spec.args], {
      cwd: spec.cwd,
      env: spec.env,
      detached: true,
      stdio: ['ignore', fd, fd],
    });
    // A failed spawn also emits 'error' later; unheard, it would crash the CLI after our message.
    child.on('error', () => undefined);
    if (child.pid === undefined) throw new CliError(`could not start ${spec.name} (${spec.command})`);
    child.unref();
    writeFileSync(spec.pidFile, `${child.pid}\n`);
    return child.pid;
  } finally {
    closeSync(fd);
  }
}

/**
 * Sends a signal to the process group of a PID we started (a peer's group holds the chaincode
 * processes it launched), or to the process alone when it leads no group; a process gone
 * meanwhile is not an error.
 */
export function signalGroup(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(-pid, sig);
  } catch {
    try {
      process.kill(pid, sig);
    } catch {
      /* already gone */
    }
  }
}

/** Stops the process group of a PID we started: SIGTERM, then SIGKILL after `graceMs`. */
export async function stopProcess(pidFile: string, graceMs = 8000): Promise<boolean> {
  const pid = readPid(pidFile);
  if (pid === undefined) return false;
  if (!isAlive(pid)) {
    rmSync(pidFile, { force: true });
    return false;
  }
  const signal = (sig: NodeJS.Signals): void => signalGroup(pid, sig);
  signal('SIGTERM');
  const deadline = Date.now() + graceMs;
  while (isAlive(pid) && Date.now() < deadline) await sleep(50);
  if (isAlive(pid)) signal('SIGKILL');
  while (isAlive(pid)) await sleep(20);
  // Children of the group (a peer's chaincode) may outlive the leader by a moment.
  signal('SIGKILL');
  rmSync(pidFile, { force: true });
  return true;
}

/**
 * Whether a connected socket is connected to itself. Connecting to a local port nobody listens on
 * can succeed when the kernel picks that very port as the ephemeral source port (TCP simultaneous
 * open; ports above 32768 are in Linux's ephemeral range). Such a socket holds the port, so the
 * server about to listen there fails with EADDRINUSE: probes must drop it at once.
 */
export function isSelfConnection(socket: net.Socket): boolean {
  return socket.localPort === socket.remotePort && socket.localAddress === socket.remoteAddress;
}

/** Is something listening on host:port (default loopback)? */
export function portInUse(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    socket.once('connect', () => {
      const self = isSelfConnection(socket);
      socket.destroy();
      resolve(!self);
    });
    socket.once('error', () => resolve(false));
    socket.setTimeout(1000, () => {
      socket.destroy();
      resolve(false);
    });
  });
}

/** One HTTPS GET against a local endpoint, trusting only `ca`. Resolves with status and body. */
export function httpsGet(
  url: string,
  ca: Buffer | string,
  timeoutMs = 2000,
  clientCert?: { cert: Buffer; key: Buffer },
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = https.get(url, { ca, timeout: timeoutMs, ...(clientCert ?? {}) }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

/**
 * Waits until `probe` resolves true; fails early if the process dies, with the last lines of
 * its log so that the cause is on the screen.
 */
export async function waitHealthy(
  name: string,
  pidFile: string,
  logFile: string,
  probe: () => Promise<boolean>,
  timeoutMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let delay = 25;
  while (Date.now() < deadline) {
    if (await probe().catch(() => false)) return;
    if (runningPid(pidFile) === undefined) {
      throw new CliError(`${name} exited during start-up`, { step: `start ${name}`, detail: tail(logFile) });
    }
    await sleep(delay);
    delay = Math.min(delay * 2, 250);
  }
  throw new CliError(`${name} did not become healthy within ${timeoutMs / 1000}s`, {
    step: `start ${name}`,
    detail: tail(logFile),
  });
}

/** The last `n` lines of a log file (or a note that there is none). */
export function tail(file: string, n = 20): string {
  if (!existsSync(file)) return `(no log at ${file})`;
  const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
  return `last ${Math.min(n, lines.length)} lines of ${file}:\n${lines.slice(-n).join('\n')}`;
}
