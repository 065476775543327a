/**
 * Preloaded (`node --require …/process-sampler.js`) into a process whose cost a benchmark
 * measures, e.g. one `waybill migrate` command: samples V8 heap + array buffers every 20 ms and,
 * at exit, writes to `WAYBILL_BENCH_SAMPLE_FILE` one JSON object: wall seconds since the
 * preload, CPU seconds (user + system), peak RSS (`getrusage`) and peak heap + buffers, in MB.
 * A process stopped by SIGTERM or SIGINT (a run cut short for time) still reports, exit code
 * 128 + the signal. Does nothing without that variable. A process that hands its work to a
 * child (the CLI relaunching `waybill migrate` with a small young generation, which passes its Node
 * flags on, this preload included) takes the variable out of its environment: then only the child
 * reports, and the parent leaves signals to the code that passes them on.
 *
 * The peak includes garbage not yet collected, so it says little about what the process keeps.
 * Started with `--expose-gc`, it also forces a full collection every
 * `WAYBILL_BENCH_LIVE_EVERY_MS` (default 5000) and samples what survives: heap + buffers the
 * process still holds. Those samples show whether memory grows with the work done.
 */
import { writeFileSync } from 'node:fs';

/** What the sampler writes. */
export interface ProcessSample {
  readonly seconds: number;
  readonly cpuSeconds: number;
  readonly maxRssMb: number;
  readonly peakLiveMb: number;
  readonly exitCode: number;
  /** With `--expose-gc`: heap + buffers after each forced full collection, MB, in order. */
  readonly liveAfterGcMb?: readonly number[];
}

/** Starts sampling this process; its report goes to `file` when the process exits. */
export function startSampling(file: string, liveEveryMs = 5000): void {
  const t0 = process.hrtime.bigint();
  let peakLive = 0;
  const sample = (): void => {
    const m = process.memoryUsage();
    peakLive = Math.max(peakLive, m.heapUsed + m.arrayBuffers);
  };
  setInterval(sample, 20).unref();
  const gc = (globalThis as { gc?: () => void }).gc;
  const live: number[] = [];
  if (typeof gc === 'function') {
    setInterval(() => {
      sample();
      gc();
      const m = process.memoryUsage();
      live.push(Math.round(((m.heapUsed + m.arrayBuffers) / 2 ** 20) * 10) / 10);
    }, liveEveryMs).unref();
  }
  for (const [signal, n] of [
    ['SIGTERM', 15],
    ['SIGINT', 2],
  ] as const) {
    process.once(signal, () => {
      if (process.env['WAYBILL_BENCH_SAMPLE_FILE'] === file) process.exit(128 + n);
    });
  }
  process.on('exit', (code) => {
    if (process.env['WAYBILL_BENCH_SAMPLE_FILE'] !== file) return;
    sample();
    const cpu = process.cpuUsage();
    const report: ProcessSample = {
      seconds: Number(process.hrtime.bigint() - t0) / 1e9,
      cpuSeconds: (cpu.user + cpu.system) / 1e6,
      maxRssMb: process.resourceUsage().maxRSS / 1024,
      peakLiveMb: peakLive / 2 ** 20,
      exitCode: code,
      ...(typeof gc === 'function' ? { liveAfterGcMb: live } : {}),
    };
    writeFileSync(file, JSON.stringify(report));
  });
}

const target = process.env['WAYBILL_BENCH_SAMPLE_FILE'];
if (target !== undefined && target !== '') startSampling(target, Number(process.env['WAYBILL_BENCH_LIVE_EVERY_MS'] ?? 5000));
