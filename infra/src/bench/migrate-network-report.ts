import { syntheticReader } from '../migrate/synthetic';
import type { LedgerReader } from '../migrate/reader';
import type { Row } from './network-bench';
import type { ProcessSample } from './process-sampler';

/** One measured `waybill migrate` command. */
export interface PhaseResult extends ProcessSample {
  readonly phase: string;
  readonly size: number;
  readonly records: number;
  /** Wall seconds as the bench saw them (process start to exit). */
  readonly wallSeconds: number;
  /** CPU seconds the networks' peers, orderers and chaincode servers spent during the phase. */
  readonly networkCpuSeconds: number;
}

/** Parses `WAYBILL_BENCH_MIGRATE_SIZES` (`10000,100000`); anything else is refused with one line. */
export function parseSizes(text: string): number[] {
  const out = text.split(',').map((t) => Number(t.trim()));
  if (out.length === 0 || out.some((n) => !Number.isInteger(n) || n < 1 || n > 10_000_000)) {
    throw new Error(`WAYBILL_BENCH_MIGRATE_SIZES must be a comma-separated list of integers 1..10000000, got "${text}"`);
  }
  return out;
}

/** The table rows of one measured phase. */
export function phaseRows(r: PhaseResult, heapCapMb: number): Row[] {
  const label = `migrate-network ${r.phase} ${r.size} assets`;
  return [
    { metric: `${label}: wall s`, value: r.wallSeconds.toFixed(1) },
    { metric: `${label}: records/s`, value: (r.records / r.wallSeconds).toFixed(0) },
    { metric: `${label}: CLI CPU µs/record`, value: ((r.cpuSeconds * 1e6) / r.records).toFixed(0) },
    { metric: `${label}: network CPU µs/record (peers, orderers, chaincode)`, value: ((r.networkCpuSeconds * 1e6) / r.records).toFixed(0) },
    { metric: `${label}: peak heap+buffers MB (heap cap ${heapCapMb} MB)`, value: r.peakLiveMb.toFixed(0), target: 'flat in the asset count' },
    { metric: `${label}: peak RSS MB`, value: r.maxRssMb.toFixed(0) },
    ...liveRows(label, r.liveAfterGcMb),
  ];
}

/**
 * What the process kept (heap + buffers after a forced full collection, sampled every few
 * seconds): the largest sample, and the median of the first and of the last tenth of the run,
 * whose difference is the growth over the run.
 */
function liveRows(label: string, live: readonly number[] | undefined): Row[] {
  if (live === undefined || live.length === 0) return [];
  const tenth = Math.max(1, Math.floor(live.length / 10));
  const median = (xs: readonly number[]): number => {
    const s = [...xs].sort((a, b) => a - b);
    return s[Math.floor((s.length - 1) / 2)] ?? 0;
  };
  return [
    { metric: `${label}: live heap+buffers after full GC MB, max of ${live.length} samples`, value: Math.max(...live).toFixed(1), target: 'flat in the asset count' },
    {
      metric: `${label}: live heap+buffers after full GC MB, first tenth → last tenth (medians)`,
      value: `${median(live.slice(0, tenth)).toFixed(1)} → ${median(live.slice(-tenth)).toFixed(1)}`,
    },
  ];
}

/** A synthetic ledger of `size` assets and no recall (see {@link seedSource}). */
export function seedReader(size: number): LedgerReader {
  return { ...syntheticReader(size), exportRecalls: () => Promise.resolve({ records: [], bookmark: '' }) };
}
