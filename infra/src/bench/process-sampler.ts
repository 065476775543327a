/**
 * Preloaded (`node --require …/process-sampler.js`) into a process whose cost a benchmark
 * measures, e.g. one `waybill migrate` command: samples V8 heap + array buffers every 20 ms and,
 * at exit, writes to `WAYBILL_BENCH_SAMPLE_FILE` one JSON object: wall seconds since the
 * preload, CPU seconds (user + system), peak RSS (`getrusage`) and peak heap + buffers, in MB.
 * A process stopped by SIGTERM or SIGINT (a run cut short for time) still reports, exit code
 * 128 + the signal. Does nothing without that variable.
 */
import { writeFileSync } from 'node:fs';

/** What the sampler writes. */
export interface ProcessSample {
  readonly seconds: number;
  readonly cpuSeconds: number;
  readonly maxRssMb: number;
  readonly peakLiveMb: number;
  readonly exitCode: number;
}

/** Starts sampling this process; its report goes to `file` when the process exits. */
export function startSampling(file: string): void {
  const t0 = process.hrtime.bigint();
  let peakLive = 0;
  const sample = (): void => {
    const m = process.memoryUsage();
    peakLive = Math.max(peakLive, m.heapUsed + m.arrayBuffers);
  };
  setInterval(sample, 20).unref();
  for (const [signal, n] of [
    ['SIGTERM', 15],
    ['SIGINT', 2],
  ] as const) {
    process.once(signal, () => process.exit(128 + n));
  }
  process.on('exit', (code) => {
    sample();
    const cpu = process.cpuUsage();
    const report: ProcessSample = {
      seconds: Number(process.hrtime.bigint() - t0) / 1e9,
      cpuSeconds: (cpu.user + cpu.system) / 1e6,
      maxRssMb: process.resourceUsage().maxRSS / 1024,
      peakLiveMb: peakLive / 2 ** 20,
      exitCode: code,
    };
    writeFileSync(file, JSON.stringify(report));
  });
}

const target = process.env['WAYBILL_BENCH_SAMPLE_FILE'];
if (target !== undefined && target !== '') startSampling(target);
