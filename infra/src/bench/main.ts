#!/usr/bin/env node
import { apiBench } from './api-bench';
import { consoleBench } from './console-bench';
import { eventsBench } from './events-bench';
import { migrateBench } from './migrate-bench';
import { migrateNetworkBench } from './migrate-network-bench';
import { parseSizes } from './migrate-network-report';
import { sinksBench } from './sinks-bench';
import { sinksFloorBench } from './sinks-floor';
import { networkBench, type Row } from './network-bench';
import { sweepBench } from './sweep-bench';

/**
 * `npm run bench`: prints the project's performance figures. Each section starts its own network
 * on its own ports (network: 37000+; api: 20000+ or `WAYBILL_BENCH_BASE_PORT`; sweep: 24000+; events: 22000+; sinks: 29000+
 * (sinks-floor: its brokers only, at the same ports);
 * console: 25500+ or `WAYBILL_BENCH_CONSOLE_BASE_PORT`; migrate-network: a source at 22000+ and a
 * target at 23000+, or `WAYBILL_BENCH_MIGRATE_SOURCE_PORT` / `_TARGET_PORT`), so a dev network
 * can stay up.
 */
/** Concurrency levels from `1,16,64`; anything else is refused with one line. */
function levels(text: string): number[] {
  const out = text.split(',').map((t) => Number(t.trim()));
  if (out.length === 0 || out.some((n) => !Number.isInteger(n) || n < 1 || n > 4096))
    throw new Error(`WAYBILL_BENCH_LEVELS must be a comma-separated list of integers 1..4096, got "${text}"`);
  return out;
}

/** `evaluate`, `submit` or both, comma-separated; anything else is refused with one line. */
function sweepCalls(text: string): ('evaluate' | 'submit')[] {
  const out = text.split(',').map((t) => t.trim());
  if (out.length === 0 || out.some((c) => c !== 'evaluate' && c !== 'submit'))
    throw new Error(`WAYBILL_BENCH_SWEEP_CALLS must be evaluate, submit or both (comma-separated), got "${text}"`);
  return out as ('evaluate' | 'submit')[];
}

async function main(): Promise<void> {
  const only = process.argv.slice(2).find((a) => !a.startsWith('-'));
  const rows: Row[] = [];
  const sections: Record<string, () => Promise<Row[]>> = {
    network: () => networkBench(Number(process.env['WAYBILL_BENCH_TX'] ?? 30)),
    api: () =>
      apiBench({
        basePort: Number(process.env['WAYBILL_BENCH_BASE_PORT'] ?? 20000),
        concurrency: Number(process.env['WAYBILL_BENCH_CONCURRENCY'] ?? 16),
        evaluations: Number(process.env['WAYBILL_BENCH_EVALUATIONS'] ?? 2000),
        submissions: Number(process.env['WAYBILL_BENCH_SUBMISSIONS'] ?? 300),
      }),
    sweep: () =>
      sweepBench({
        basePort: Number(process.env['WAYBILL_BENCH_SWEEP_BASE_PORT'] ?? 24000),
        levels: levels(process.env['WAYBILL_BENCH_LEVELS'] ?? '1,16,64,256'),
        evaluateSeconds: Number(process.env['WAYBILL_BENCH_SWEEP_EVALUATE_SECONDS'] ?? 5),
        submitSeconds: Number(process.env['WAYBILL_BENCH_SWEEP_SUBMIT_SECONDS'] ?? 10),
        calls: sweepCalls(process.env['WAYBILL_BENCH_SWEEP_CALLS'] ?? 'evaluate,submit'),
      }),
    events: () =>
      eventsBench({
        basePort: Number(process.env['WAYBILL_BENCH_EVENTS_BASE_PORT'] ?? 22000),
        ratePerSecond: Number(process.env['WAYBILL_BENCH_EVENTS_RATE'] ?? 10),
        seconds: Number(process.env['WAYBILL_BENCH_EVENTS_SECONDS'] ?? 30),
        burst: Number(process.env['WAYBILL_BENCH_EVENTS_BURST'] ?? 300),
      }),
    migrate: () =>
      Promise.resolve(
        migrateBench((process.env['WAYBILL_BENCH_MIGRATE_SIZES'] ?? '10000,100000').split(',').map(Number)),
      ),
    'migrate-network': async () =>
      (
        await migrateNetworkBench({
          sizes: parseSizes(process.env['WAYBILL_BENCH_MIGRATE_SIZES'] ?? '10000,100000'),
          sourceBasePort: Number(process.env['WAYBILL_BENCH_MIGRATE_SOURCE_PORT'] ?? 22000),
          targetBasePort: Number(process.env['WAYBILL_BENCH_MIGRATE_TARGET_PORT'] ?? 23000),
          heapCapMb: Number(process.env['WAYBILL_BENCH_MIGRATE_HEAP_MB'] ?? 64),
          importBatchSize: Number(process.env['WAYBILL_BENCH_MIGRATE_BATCH'] ?? 50),
          seedBatchSize: Number(process.env['WAYBILL_BENCH_MIGRATE_SEED_BATCH'] ?? 100),
          attest: process.env['WAYBILL_BENCH_MIGRATE_ATTEST'] === 'direct' ? 'direct' : 'verify',
          keep: process.env['WAYBILL_BENCH_MIGRATE_KEEP'] === '1',
          verify: process.env['WAYBILL_BENCH_MIGRATE_VERIFY'] !== '0',
        })
      ).rows,
    sinks: () =>
      sinksBench({
        basePort: Number(process.env['WAYBILL_BENCH_SINKS_BASE_PORT'] ?? 29000),
        ratePerSecond: Number(process.env['WAYBILL_BENCH_SINKS_RATE'] ?? 10),
        seconds: Number(process.env['WAYBILL_BENCH_SINKS_SECONDS'] ?? 30),
      }),
    'sinks-floor': () =>
      sinksFloorBench({
        basePort: Number(process.env['WAYBILL_BENCH_SINKS_BASE_PORT'] ?? 29000),
        ratePerSecond: Number(process.env['WAYBILL_BENCH_SINKS_RATE'] ?? 10),
        events:
          Number(process.env['WAYBILL_BENCH_SINKS_RATE'] ?? 10) *
          Number(process.env['WAYBILL_BENCH_SINKS_SECONDS'] ?? 30),
      }),
    console: () =>
      consoleBench({
        basePort: Number(process.env['WAYBILL_BENCH_CONSOLE_BASE_PORT'] ?? 25500),
        versions: Number(process.env['WAYBILL_BENCH_CONSOLE_VERSIONS'] ?? 500),
        loads: Number(process.env['WAYBILL_BENCH_CONSOLE_LOADS'] ?? 5),
      }),
  };
  if (only && !sections[only]) {
    process.stderr.write(`bench: unknown section "${only}"; known: ${Object.keys(sections).join(', ')}\n`);
    process.exitCode = 1;
    return;
  }
  // Hours at its default sizes: only when asked for by name.
  const onlyByName = new Set(['migrate-network']);
  for (const [name, fn] of Object.entries(sections)) {
    if (only ? only !== name : onlyByName.has(name)) continue;
    process.stderr.write(`[bench] ${name}…\n`);
    rows.push(...(await fn()));
  }
  const w = Math.max(...rows.map((r) => r.metric.length));
  process.stdout.write(`${'metric'.padEnd(w)} | value | target\n`);
  for (const r of rows) process.stdout.write(`${r.metric.padEnd(w)} | ${r.value} | ${r.target ?? ''}\n`);
}

void main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exitCode = 1;
});
