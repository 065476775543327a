import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { exportLedger, importExport, syntheticReader, syntheticTarget, verifyExport } from '../migrate';
import type { Row } from './network-bench';
import { DEFAULT_SEMI_SPACE_MB, SEMI_SPACE_ENV } from '../common/semi-space';

/** The heap cap of every phase at every size. */
const HEAP_CAP_MB = 64;

/**
 * `npm run bench -- migrate`: the cost of `waybill migrate`'s own work (export writing canonical
 * records and the Merkle root, verify re-reading and comparing, import building proofs and
 * batches) at each size, each phase in a child process so its peak RSS is its own. The ledger is
 * the synthetic one (`syntheticReader`, three history versions per asset; the target checks every
 * inclusion proof as the contract does): network time excluded, so the figures show whether the
 * tool's memory grows with the asset count, and its CPU per record. Every phase runs under the
 * same 64 MB heap cap at every size; peak heap + buffers is sampled every 20 ms.
 */
export function migrateBench(sizes: readonly number[]): Row[] {
  const rows: Row[] = [];
  const dir = mkdtempSync(path.join(tmpdir(), 'waybill-migrate-bench-'));
  try {
    for (const size of sizes) {
      const file = path.join(dir, `export-${size}.ndjson`);
      for (const phase of ['export', 'verify', 'import'] as const) {
        // The same small heap cap at every size: a phase whose memory grew with the asset count
        // would die of it at the larger size. The young generation as `waybill migrate` runs it
        // (WAYBILL_MIGRATE_SEMI_SPACE_MB as for the CLI: a size in MB, 0 for V8's default).
        const semi = Number(process.env[SEMI_SPACE_ENV] ?? DEFAULT_SEMI_SPACE_MB);
        const flags = [`--max-old-space-size=${HEAP_CAP_MB}`, ...(semi > 0 ? [`--max-semi-space-size=${semi}`] : [])];
        const out = execFileSync(process.execPath, [...flags, __filename, phase, String(size), file], {
          encoding: 'utf8',
          maxBuffer: 1 << 20,
        });
        const r = JSON.parse(out) as { records: number; seconds: number; cpuSeconds: number; maxRssMb: number; peakLiveMb: number };
        rows.push(
          { metric: `migrate ${phase} ${size} assets: records/s`, value: (r.records / r.seconds).toFixed(0) },
          { metric: `migrate ${phase} ${size} assets: CPU µs/record`, value: ((r.cpuSeconds * 1e6) / r.records).toFixed(0) },
          { metric: `migrate ${phase} ${size} assets: peak heap+buffers MB (heap cap ${HEAP_CAP_MB} MB)`, value: r.peakLiveMb.toFixed(0), target: 'flat in the asset count' },
          { metric: `migrate ${phase} ${size} assets: peak RSS MB`, value: r.maxRssMb.toFixed(0) },
        );
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}

async function phase(name: string, size: number, file: string): Promise<void> {
  let peakLive = 0;
  const sample = (): void => {
    const m = process.memoryUsage();
    peakLive = Math.max(peakLive, m.heapUsed + m.arrayBuffers);
  };
  const sampler = setInterval(sample, 20);
  const t0 = process.hrtime.bigint();
  const cpu0 = process.cpuUsage();
  let records = 0;
  const options = { pageSize: 100, concurrency: 8 };
  if (name === 'export') {
    records = (await exportLedger(syntheticReader(size), { file, ...options })).recordCount;
  } else if (name === 'verify') {
    const report = await verifyExport(syntheticReader(size), file, options);
    if (!report.ok) throw new Error(report.problems[0]);
    records = report.recordCount;
  } else {
    const summary = await importExport(syntheticTarget(size + 1, ['A', 'B', 'C']), file, { batchSize: 50, maxBatchChars: 1_000_000 });
    if (summary.progress?.complete !== true) throw new Error('import incomplete');
    records = summary.importedNow;
  }
  const cpu = process.cpuUsage(cpu0);
  clearInterval(sampler);
  sample();
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  process.stdout.write(
    JSON.stringify({ records, seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6, maxRssMb: process.resourceUsage().maxRSS / 1024, peakLiveMb: peakLive / 2 ** 20 }),
  );
}

if (require.main === module) {
  const [name, size, file] = process.argv.slice(2);
  void phase(name ?? '', Number(size), file ?? '').catch((err: unknown) => {
    process.stderr.write(`${String(err)}\n`);
    process.exitCode = 1;
  });
}
