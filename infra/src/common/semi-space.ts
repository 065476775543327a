/**
 * `waybill migrate …` runs with a small V8 young generation. Left to itself, V8 grows each
 * semi-space up to 64 MB on a 64-bit machine when a process allocates fast for long, and the
 * import and export do: at 100 000 records new_space reached 128 MB and the peak RSS doubled
 * against 10 000 records, although what the process keeps stayed flat (docs/benchmarks.md).
 * `--max-semi-space-size=8` keeps it flat and costs less CPU. V8 reads that limit when it sets up
 * the heap, so `v8.setFlagsFromString` after start changes nothing; the CLI therefore starts
 * itself again as a child Node process with the flag, unless the flag is already given.
 */
import { spawn } from 'node:child_process';
import { constants } from 'node:os';

/** The environment variable that sets the semi-space size in MB; `0` keeps V8's default. */
export const SEMI_SPACE_ENV = 'WAYBILL_MIGRATE_SEMI_SPACE_MB';
/** Set in the child's environment only: it was started by {@link relaunchWith} and watches it. */
export const RELAUNCHED_ENV = 'WAYBILL_MIGRATE_RELAUNCHED';
/** The size used when {@link SEMI_SPACE_ENV} is not set, MB. */
export const DEFAULT_SEMI_SPACE_MB = 8;

/** What to do about the young generation before running a command. */
export type SemiSpaceDecision =
  | { readonly relaunch: false }
  | { readonly relaunch: true; readonly flag: string }
  | { readonly relaunch: false; readonly error: string };

/** V8 accepts dashes or underscores in its flag names. */
const SEMI_SPACE_FLAG = /(^|\s)--max[-_]semi[-_]space[-_]size\b/;
/** A debugger attached to this process would see only the waiting parent. */
const INSPECT_FLAG = /(^|\s)--inspect(-brk|-wait)?(?=[=\s]|$)/;

/**
 * Whether the CLI should start itself again with a smaller young generation: only for `migrate`
 * (the first argument after the script that is not an option), only when neither the Node flags
 * of this process nor NODE_OPTIONS already set the semi-space size or start the inspector, and
 * not when {@link SEMI_SPACE_ENV} is `0`. A child started with the flag decides not to relaunch again.
 */
export function decideSemiSpace(
  argv: readonly string[],
  execArgv: readonly string[],
  env: NodeJS.ProcessEnv,
): SemiSpaceDecision {
  const command = argv.slice(2).find((a) => !a.startsWith('-'));
  if (command !== 'migrate') return { relaunch: false };
  for (const flag of [SEMI_SPACE_FLAG, INSPECT_FLAG]) {
    if (execArgv.some((a) => flag.test(a)) || flag.test(env['NODE_OPTIONS'] ?? '')) return { relaunch: false };
  }
  const raw = env[SEMI_SPACE_ENV];
  let mb = DEFAULT_SEMI_SPACE_MB;
  if (raw !== undefined && raw !== '') {
    if (!/^\d+$/.test(raw) || Number(raw) > 1024) {
      return { relaunch: false, error: `${SEMI_SPACE_ENV}="${raw}" must be a whole number of MB up to 1024 (0 keeps V8's default)` };
    }
    mb = Number(raw);
  }
  if (mb === 0) return { relaunch: false };
  return { relaunch: true, flag: `--max-semi-space-size=${mb}` };
}

/**
 * Runs this same command again in a child Node process with `flag` added to this process's Node
 * flags (so a preloaded module or `--expose-gc` reaches the child too), stdio inherited, SIGINT,
 * SIGTERM and SIGHUP passed on. This process then ends as the child did: same exit code, or the
 * same signal. A preloaded benchmark sampler reports the child, not this process: the variable
 * naming its report file is taken out of this process's environment once the child has it.
 */
export function relaunchWith(flag: string): void {
  // The IPC channel is only there to end with this process: a SIGKILL cannot be passed on, so the
  // child learns of it when the channel closes (see watchLauncher).
  const child = spawn(process.execPath, [...process.execArgv, flag, ...process.argv.slice(1)], {
    stdio: ['inherit', 'inherit', 'inherit', 'ipc'],
    env: { ...process.env, [RELAUNCHED_ENV]: '1' },
  });
  delete process.env['WAYBILL_BENCH_SAMPLE_FILE'];
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
  const forward = (signal: NodeJS.Signals): void => {
    child.kill(signal);
  };
  for (const s of signals) process.on(s, forward);
  child.on('error', (err) => {
    process.stderr.write(`waybill: could not start node with ${flag}: ${err.message}\n`);
    process.exitCode = 1;
  });
  child.on('exit', (code, signal) => {
    for (const s of signals) process.off(s, forward);
    if (signal !== null) {
      // Exit code as a shell reports a signal, in case a listener left by someone else keeps the
      // signal from ending this process.
      process.exitCode = 128 + (constants.signals[signal] ?? 0);
      process.kill(process.pid, signal);
      return;
    }
    process.exitCode = code ?? 1;
  });
}

/**
 * In a child started by {@link relaunchWith}: when the launching process ends without it (killed
 * with SIGKILL, which it cannot pass on), the child stops as if it had been sent SIGTERM instead of
 * running on unwatched. The variable is taken out of the environment so processes the command
 * starts do not inherit it; the channel does not keep the child alive.
 */
export function watchLauncher(): void {
  if (process.env[RELAUNCHED_ENV] !== '1') return;
  delete process.env[RELAUNCHED_ENV];
  const channel = process.channel;
  if (!channel) return;
  channel.unref();
  process.once('disconnect', () => {
    process.stderr.write('waybill: the launching process ended; stopping\n');
    process.kill(process.pid, 'SIGTERM');
  });
}
