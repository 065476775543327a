/**
 * When is a bench network idle? Pure logic over samples, so that it can be tested without a
 * network (sweep-bench.ts reads the samples from /proc and the peer).
 *
 * A run's CPU figures are only fair if the run starts on a network with nothing left to do from
 * the work before it (blocks being validated and committed, the gateways' event readers and
 * projectors catching up, collections of what the previous run allocated): otherwise whichever
 * run comes first is billed for that backlog.
 */

/** One reading: when (ms, monotonic), the CPU ms the network's processes have used so far, the ledger height. */
export interface QuietSample {
  readonly atMs: number;
  readonly cpuMs: number;
  /** Undefined when the height could not be read: such a window is never quiet. */
  readonly height: number | undefined;
}

/** What "idle" means: over the last `windowMs`, at most `maxRateMsPerS` CPU ms per second and no new block. */
export interface QuietRule {
  readonly windowMs: number;
  readonly maxRateMsPerS: number;
}

/**
 * The network's CPU rate over the last `windowMs` of `samples` (in time order), and whether its
 * ledger height stayed the same over it; undefined while the samples do not yet span the window.
 */
export function lastWindow(
  samples: readonly QuietSample[],
  windowMs: number,
): { readonly rateMsPerS: number; readonly heightStill: boolean; readonly spanMs: number } | undefined {
  const last = samples.at(-1);
  if (!last) return undefined;
  // The latest sample at least a window before the last one.
  let i = samples.length - 1;
  while (i >= 0 && last.atMs - (samples[i] as QuietSample).atMs < windowMs) i--;
  if (i < 0) return undefined;
  const first = samples[i] as QuietSample;
  const spanMs = last.atMs - first.atMs;
  const inWindow = samples.slice(i);
  const heightStill = inWindow.every((s) => s.height !== undefined && s.height === first.height);
  return { rateMsPerS: ((last.cpuMs - first.cpuMs) * 1000) / spanMs, heightStill, spanMs };
}

/** Whether the last window of `samples` is idle under `rule`. */
export function isQuiet(samples: readonly QuietSample[], rule: QuietRule): boolean {
  const w = lastWindow(samples, rule.windowMs);
  return w !== undefined && w.heightStill && w.rateMsPerS <= rule.maxRateMsPerS;
}

/**
 * Before the network's idle rate is known: CPU ms per second of all its processes together that
 * counts as "near zero" (the bench network idles at ≈ 80 ms/s: gossip, Raft ticks, pollers).
 */
export const NEAR_ZERO_MS_PER_S = 150;

/**
 * Once the idle rate is measured: the idle rate plus a quarter of it, at least 30 ms/s more (the
 * /proc clock ticks at 10 ms per process; over a 2 s window a dozen processes' readings jitter by
 * about that much).
 */
export function idleThreshold(idleMsPerS: number): number {
  return idleMsPerS + Math.max(30, idleMsPerS * 0.25);
}
