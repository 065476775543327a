#!/usr/bin/env node
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { PROJECT_ROOT, resolveNetwork } from '../local/context';
import { cutName, newLoopbackCut, type CutTarget } from '../local/cut';
import { LocalNetwork } from '../local/network';
import { runningPid } from '../local/processes';
import { raftLeader } from '../local/raft-leader';
import { processKind } from './process-kind';
import { account, accountingLines, formatClasses, loadApis, nothingLost, Traffic, TRAFFIC_ORGS, WebhookSubscribers } from './traffic';

const exec = promisify(execFile);
const CLI = path.join(PROJECT_ROOT, 'infra', 'dist', 'cli.js');

/** `npm run soak` settings, each from an environment variable. */
export interface SoakOptions {
  /** Logical writes to make (a create, or a handover proposed by one API and accepted by another). */
  readonly transactions: number;
  /** Writes in flight. */
  readonly concurrency: number;
  /** Seconds between two injected faults (0: none). */
  readonly faultEverySeconds: number;
  /** Seconds between two samples of throughput and memory. */
  readonly sampleSeconds: number;
  readonly basePort: number;
  readonly dir: string;
  /** Seconds after which no new write starts (those in flight finish, then the accounting); 0: none. */
  readonly maxSeconds: number;
}

/** Reads the settings; a bad value is refused with one line. */
export function soakOptions(env: NodeJS.ProcessEnv): SoakOptions {
  const int = (name: string, fallback: number, min: number, max: number): number => {
    const raw = env[name];
    const v = raw === undefined || raw === '' ? fallback : Number(raw);
    if (!Number.isInteger(v) || v < min || v > max)
      throw new Error(`${name} must be an integer ${min}..${max}, got "${raw}"`);
    return v;
  };
  return {
    transactions: int('WAYBILL_SOAK_TX', 100_000, 1, 10_000_000),
    concurrency: int('WAYBILL_SOAK_CONCURRENCY', 32, 1, 1024),
    faultEverySeconds: int('WAYBILL_SOAK_FAULT_EVERY_S', 60, 0, 86_400),
    sampleSeconds: int('WAYBILL_SOAK_SAMPLE_S', 10, 1, 3600),
    basePort: int('WAYBILL_SOAK_BASE_PORT', 24000, 1024, 31000),
    maxSeconds: int('WAYBILL_SOAK_MAX_S', 0, 0, 604_800),
    dir: env['WAYBILL_SOAK_DIR'] ?? path.join(PROJECT_ROOT, '.network', 'soak'),
  };
}

/** Resident memory (MiB) and CPU seconds of every process of the network, by PID-file name. */
function processes(runDir: string): Map<string, { rssMiB: number; cpuS: number }> {
  const out = new Map<string, { rssMiB: number; cpuS: number }>();
  for (const file of readdirSync(runDir)) {
    if (!file.endsWith('.pid')) continue;
    const pid = runningPid(path.join(runDir, file));
    if (pid === undefined) continue;
    try {
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      const rss = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
      out.set(file.slice(0, -4), { rssMiB: rss, cpuS: (Number(stat[11]) + Number(stat[12])) / 100 });
    } catch {
      // the process ended between the listing and the read
    }
  }
  return out;
}

/**
 * The faults, in the order they are injected. A SIGKILLed process is brought back by `stack up`
 * 5 s later; a cut (its processes stopped: connections to it hang, see {@link newLoopbackCut})
 * lasts {@link CUT_SECONDS} and is healed with the processes as they were. Each organisation runs
 * its own chaincode server; the manufacturer's is the one killed. The retailer is the
 * organisation cut off: the others keep a majority of the endorsement policy without it.
 */
type Fault =
  | { readonly kill: string }
  | { readonly cut: CutTarget }
  | { readonly cut: 'raft leader' | 'an orderer that does not lead' };

const FAULTS: readonly Fault[] = [
  { kill: 'chaincode.manufacturer' },
  { cut: 'an orderer that does not lead' },
  { kill: 'api.carrier' },
  { cut: 'raft leader' },
  { kill: 'orderer1' },
  { cut: { kind: 'org', org: 'retailer' } },
  { kill: 'api.manufacturer' },
  { kill: 'peer0.retailer' },
];
const CUT_SECONDS = 20;

/**
 * `npm run soak`: a stack of its own, `transactions` logical writes through the gateway APIs at a
 * fixed concurrency while a fault is injected every `faultEverySeconds` and healed, then the
 * accounting ({@link account}): every write a client saw accepted is on the ledger exactly once
 * with the state it implies, every event reached every webhook subscriber (after de-duplication
 * by `Waybill-Event-Id`), the read models reconcile with the ledger; with errors by class,
 * throughput and each process's memory over time. Exits 1 when anything was lost.
 */
export async function soak(o: SoakOptions, out: (line: string) => void): Promise<boolean> {
  const flags = ['--dir', o.dir, '--base-port', String(o.basePort)];
  // The webhook subscribers listen on loopback, which gateways refuse unless allowed.
  const env = { ...process.env, WAYBILL_WEBHOOK_ALLOWED_NETWORKS: '127.0.0.1/32' };
  const cli = (...args: string[]): Promise<unknown> =>
    exec(process.execPath, [CLI, ...args, ...flags], { timeout: 1_800_000, env });
  await cli('network', 'clean');
  await cli('stack', 'up', '--mode', 'ccaas');
  const net = new LocalNetwork(resolveNetwork({ dir: o.dir, basePort: o.basePort }), () => undefined);
  const runDir = net.layout.runDir;
  const apis = loadApis(o.dir);
  const subscribers = await WebhookSubscribers.start(apis);
  const traffic = new Traffic({
    apis,
    concurrency: o.concurrency,
    operations: o.transactions,
    tag: `soak-${Date.now().toString(36)}`,
  });
  const tally = traffic.tally;
  const cuts = newLoopbackCut(net);

  let done = false;
  const t0 = Date.now();
  const samples: { t: number; writes: number; procs: Map<string, { rssMiB: number; cpuS: number }> }[] = [];
  const sampler = (async (): Promise<void> => {
    while (!done) {
      samples.push({ t: (Date.now() - t0) / 1000, writes: tally.acceptedWrites, procs: processes(runDir) });
      process.stderr.write(`[soak] ${((Date.now() - t0) / 1000).toFixed(0)} s: ${traffic.operations} operations started, ${tally.acceptedWrites} writes accepted\n`);
      await sleep(o.sampleSeconds * 1000);
    }
  })();
  const faults: string[] = [];
  const at = (): string => `${((Date.now() - t0) / 1000).toFixed(0)}s`;
  const inject = async (fault: Fault): Promise<void> => {
    if ('kill' in fault) {
      const pid = runningPid(net.layout.pidFile(fault.kill));
      if (pid === undefined) return;
      process.kill(pid, 'SIGKILL');
      faults.push(`${at()} SIGKILL ${fault.kill}`);
      await sleep(5000);
      await cli('stack', 'up', '--mode', 'ccaas');
      return;
    }
    let target: CutTarget;
    if (typeof fault.cut === 'string') {
      const leader = await raftLeader(net);
      if (!leader) return;
      const victim =
        fault.cut === 'raft leader' ? leader : net.topology.orderers.find((n) => n.name !== leader.name);
      if (!victim) return;
      target = { kind: 'node', name: victim.name };
    } else {
      target = fault.cut;
    }
    await cuts.cut(target);
    faults.push(`${at()} cut ${cutName(target)}${typeof fault.cut === 'string' ? ` (${fault.cut})` : ''} for ${CUT_SECONDS}s`);
    try {
      await sleep(CUT_SECONDS * 1000);
    } finally {
      await cuts.heal(target);
    }
  };
  const injector = (async (): Promise<void> => {
    if (o.faultEverySeconds === 0) return;
    for (let i = 0; !done; i++) {
      await sleep(o.faultEverySeconds * 1000);
      if (done) return;
      await inject(FAULTS[i % FAULTS.length] as Fault);
    }
  })();

  // A run cut short (its time budget, or Ctrl-C) starts no new write, lets those in flight end,
  // and is accounted like a whole one.
  let cutShort = '';
  const stopEarly = (why: string): void => {
    if (cutShort !== '') return;
    cutShort = why;
    process.stderr.write(`[soak] ${why}: no new writes; those in flight finish, then the accounting\n`);
    void traffic.stop();
  };
  const budget = o.maxSeconds > 0 ? setTimeout(() => stopEarly(`time budget of ${o.maxSeconds} s reached`), o.maxSeconds * 1000) : undefined;
  const onSigint = (): void => stopEarly('SIGINT');
  process.once('SIGINT', onSigint);
  try {
    await traffic.start();
  } finally {
    clearTimeout(budget);
    process.off('SIGINT', onSigint);
    done = true;
    await traffic.stop();
    await injector.finally(() => cuts.healAll());
    await sampler;
  }
  const seconds = (Date.now() - t0) / 1000;
  // Heal whatever the last fault left down, then account.
  await cli('stack', 'up', '--mode', 'ccaas');
  const a = await account(tally, apis, subscribers, { log: out });
  await subscribers.close();

  out(
    `HTTP writes accepted (2xx): ${tally.acceptedWrites} for ${traffic.operations} operations${cutShort === '' ? '' : ` (of ${o.transactions}: ${cutShort})`} (a handover is two writes) in ${seconds.toFixed(0)} s = ${(tally.acceptedWrites / seconds).toFixed(1)} /s at concurrency ${o.concurrency}; per API: ${TRAFFIC_ORGS.map((org) => `${org} ${tally.acceptedBy[org]}`).join(', ')}`,
  );
  for (const line of accountingLines(a)) out(line);
  out(`faults: ${faults.length === 0 ? 'none' : faults.join('; ')}`);
  out(`errors by class, per attempt (retried with the same Idempotency-Key): ${formatClasses(tally.attemptErrors)}`);
  out(`errors by class, final (write given up or refused): ${formatClasses(tally.finalErrors)}`);
  out('time s | writes/s in the interval | RSS MiB per process');
  for (let i = 1; i < samples.length; i++) {
    const p = samples[i - 1] as (typeof samples)[number];
    const b = samples[i] as (typeof samples)[number];
    const rate = (b.writes - p.writes) / (b.t - p.t);
    const rss = [...b.procs.entries()]
      .filter(([name]) => processKind(name) !== 'ca')
      .map(([name, pr]) => `${name} ${pr.rssMiB.toFixed(0)}`)
      .join(', ');
    out(`${b.t.toFixed(0)} | ${rate.toFixed(1)} | ${rss}`);
  }
  await cli('stack', 'down');
  return nothingLost(a) && a.lots > 0;
}

if (require.main === module) {
  let options: SoakOptions;
  try {
    options = soakOptions(process.env);
  } catch (err) {
    process.stderr.write(`soak: ${(err as Error).message}\n`);
    process.exit(2);
  }
  soak(options, (line) => process.stdout.write(`${line}\n`)).then(
    (ok) => {
      process.exitCode = ok ? 0 : 1;
    },
    (err: unknown) => {
      process.stderr.write(`soak failed: ${(err as Error).stack ?? String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
