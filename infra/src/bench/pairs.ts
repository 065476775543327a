/**
 * The sweep's pairs of runs (raw Fabric Gateway against REST) in both orders, and the figures
 * read from them. Pure, so that it can be tested without a network.
 *
 * Each level runs A B B A (REST, raw, raw, REST): one pair with REST first, one with raw first.
 * Whatever the first run of a pair is billed for that it did not cause (or the second run gains
 * from the first) shows as a difference between the two orders instead of hiding in the figure,
 * and cancels in their mean when it is the same in both.
 */

export type Side = 'raw' | 'rest';

/** One run of a level's sequence: which side, and which pair (0: `first` first, 1: the other first). */
export interface PlannedRun {
  readonly side: Side;
  readonly pair: 0 | 1;
}

const other = (s: Side): Side => (s === 'raw' ? 'rest' : 'raw');

/** The A B B A sequence starting with `first`. */
export function abba(first: Side): PlannedRun[] {
  return [
    { side: first, pair: 0 },
    { side: other(first), pair: 0 },
    { side: other(first), pair: 1 },
    { side: first, pair: 1 },
  ];
}

/** What the figures need from one run. */
export interface RunFigures {
  /** Successful calls per second. */
  readonly tps: number;
  /** CPU ms per call of the four gateways together (less their idle rate). */
  readonly gatewayMs: number;
  /** CPU ms per call of the gateway the REST calls go to. */
  readonly servingMs: number;
  /** CPU ms per call of the load generator (for a raw run: the raw client's own work). */
  readonly loadgenMs: number;
}

/** The figures of one pair (or their mean over both orders). */
export interface PairFigures {
  readonly restTps: number;
  readonly rawTps: number;
  /** REST throughput / raw throughput. */
  readonly ratio: number;
  /** Raw client's CPU ms per call. */
  readonly rawClientMs: number;
  /** Four gateways: REST run − raw run, ms per call. */
  readonly addedAllMs: number;
  /** Serving gateway alone: REST run − raw run, ms per call. */
  readonly addedServingMs: number;
  /** addedAllMs − rawClientMs: the target's figure over the four gateways. */
  readonly beyondAllMs: number;
  /** addedServingMs − rawClientMs: the target's figure for the serving gateway alone. */
  readonly beyondServingMs: number;
}

export function pairFigures(raw: RunFigures, rest: RunFigures): PairFigures {
  const addedAllMs = rest.gatewayMs - raw.gatewayMs;
  const addedServingMs = rest.servingMs - raw.servingMs;
  return {
    restTps: rest.tps,
    rawTps: raw.tps,
    ratio: rest.tps / raw.tps,
    rawClientMs: raw.loadgenMs,
    addedAllMs,
    addedServingMs,
    beyondAllMs: addedAllMs - raw.loadgenMs,
    beyondServingMs: addedServingMs - raw.loadgenMs,
  };
}

/** The mean of every figure over some pairs (the ratio too: the mean of the pairs' ratios). */
export function meanFigures(pairs: readonly PairFigures[]): PairFigures {
  if (pairs.length === 0) throw new Error('no pair to average');
  const keys = Object.keys(pairs[0] as PairFigures) as (keyof PairFigures)[];
  return Object.fromEntries(
    keys.map((k) => [k, pairs.reduce((sum, p) => sum + p[k], 0) / pairs.length]),
  ) as unknown as PairFigures;
}

/** A level's runs grouped by pair, in the order they ran, each with its label ("REST first"…). */
export function byPair<R>(
  plan: readonly PlannedRun[],
  results: readonly R[],
): { readonly label: string; readonly raw: R; readonly rest: R }[] {
  if (plan.length !== results.length) throw new Error(`${results.length} results for ${plan.length} planned runs`);
  const out: { label: string; raw: R; rest: R }[] = [];
  for (const pair of [0, 1] as const) {
    const idx = plan.flatMap((p, i) => (p.pair === pair ? [i] : []));
    const rawAt = idx.find((i) => plan[i]?.side === 'raw');
    const restAt = idx.find((i) => plan[i]?.side === 'rest');
    if (rawAt === undefined || restAt === undefined) continue;
    out.push({
      label: rawAt < restAt ? 'raw first' : 'REST first',
      raw: results[rawAt] as R,
      rest: results[restAt] as R,
    });
  }
  return out;
}

/** The level whose score is highest (the first of equals); undefined for none. */
export function bestLevel<L>(levels: readonly L[], score: (l: L) => number): L | undefined {
  let best: L | undefined;
  let bestScore = Number.NEGATIVE_INFINITY;
  for (const l of levels) {
    const s = score(l);
    if (s > bestScore) {
      best = l;
      bestScore = s;
    }
  }
  return best;
}
