import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { PROJECT_ROOT, resolveNetwork } from '../local/context';
import { LocalNetwork } from '../local/network';
import { exportLedger, gatewayTarget, importExport } from '../migrate';
import { phaseRows, seedReader, type PhaseResult } from './migrate-network-report';
import type { Row } from './network-bench';
import type { ProcessSample } from './process-sampler';
import { cpuByKind } from './sweep-bench';

const run = promisify(execFile);
const CLI = path.join(PROJECT_ROOT, 'infra', 'dist', 'cli.js');
const SAMPLER = path.join(__dirname, 'process-sampler.js');

/** Options of {@link migrateNetworkBench}. */
export interface MigrateNetworkBenchOptions {
  readonly sizes: readonly number[];
  /** First port of the source network. */
  readonly sourceBasePort: number;
  /** First port of the target network. */
  readonly targetBasePort: number;
  /** V8 heap cap of every `waybill migrate` process, the same at every size. */
  readonly heapCapMb: number;
  /** Records per `importRecords` transaction of the measured import (the CLI's default is 50). */
  readonly importBatchSize: number;
  /** Records per transaction when seeding the source (at most the contract's 100). */
  readonly seedBatchSize: number;
  /**
   * How the majority's attestations are made: `verify` (the real path: `waybill migrate attest`
   * by three organisations, each verifying against its own peer again) or `direct` (a shortcut for
   * sizes whose three extra verify passes do not fit the time: after the measured `verify`, the
   * bench submits the three attestations itself, unmeasured).
   */
  readonly attest: 'verify' | 'direct';
  /** Leave both networks running after the last size (to look at them). */
  readonly keep: boolean;
  /** Run the separate `verify` phase (the attest phases verify too). */
  readonly verify: boolean;
}

const log = (line: string): void => {
  process.stderr.write(`[bench] migrate-network ${line}\n`);
};

function open(dir: string, basePort: number): LocalNetwork {
  return new LocalNetwork(resolveNetwork({ dir, basePort }), () => undefined);
}

/** CPU seconds used so far by the networks' own processes. */
function networkCpu(nets: readonly LocalNetwork[]): number {
  let sum = 0;
  for (const net of nets) {
    const k = cpuByKind(net);
    sum += k.peer + k.orderer + k.chaincode;
  }
  return sum;
}

async function fresh(dir: string, basePort: number): Promise<void> {
  const flags = ['--dir', dir, '--base-port', String(basePort)];
  await run(process.execPath, [CLI, 'network', 'clean', ...flags], { timeout: 300_000 });
  await run(process.execPath, [CLI, 'network', 'up', ...flags], { timeout: 1_800_000 });
  await run(process.execPath, [CLI, 'chaincode', 'deploy', '--mode', 'ccaas', ...flags], { timeout: 1_800_000 });
}

/** Submits `attestMigration` of an export as each organisation's admin (no verification). */
async function attestAs(net: LocalNetwork, orgs: readonly string[], e: { root: string; recordCount: number; exportSha256: string }): Promise<void> {
  const input = JSON.stringify({ root: e.root, recordCount: e.recordCount, exportSha256: e.exportSha256, sourceChannel: 'supplychain' });
  for (const org of orgs) {
    const target = gatewayTarget(net, org);
    try {
      await target.value.submit('attestMigration', [input]);
    } finally {
      target.close();
    }
  }
}

/**
 * Seeds the source with `size` assets through the contract's real import path: a synthetic
 * export (no recall: a recall's provenance is its last writing transaction, which a synthetic
 * one is not on this ledger), its root attested by three of the four members, imported in
 * batches of `batchSize`. Each asset is written by a real transaction, so the source's history
 * of every asset starts (and ends) with that import entry. Returns the import's wall seconds.
 */
async function seedSource(net: LocalNetwork, size: number, file: string, batchSize: number): Promise<{ seconds: number; records: number; networkCpuSeconds: number }> {
  const summary = await exportLedger(seedReader(size), { file, pageSize: 100, concurrency: 8 });
  await attestAs(net, ['Manufacturer', 'Carrier', 'Retailer'], summary);
  const target = gatewayTarget(net, 'Manufacturer');
  try {
    const cpu0 = networkCpu([net]);
    const t0 = performance.now();
    let last = 0;
    const done = await importExport(target.value, file, {
      batchSize,
      maxBatchChars: 1_000_000,
      progress: (m) => {
        if (Date.now() - last > 30_000) {
          last = Date.now();
          log(`seed ${m}`);
        }
      },
    });
    if (done.progress?.complete !== true) throw new Error(`seeding ${size} assets stopped at ${done.progress?.nextIndex ?? 0}`);
    return { seconds: (performance.now() - t0) / 1000, records: done.recordCount, networkCpuSeconds: networkCpu([net]) - cpu0 };
  } finally {
    target.close();
  }
}

/**
 * `npm run bench -- migrate-network`: `waybill migrate` between two real local Fabric 2.5
 * networks at each size. For each size: a fresh source (`sourceBasePort`) and target
 * (`targetBasePort`) network with the contract as a service; the source seeded with N assets
 * (see {@link seedSource}); then, each as its own `waybill` process under the same V8 heap cap,
 * with peak heap + buffers sampled every 20 ms and peak RSS from getrusage: `export` by the
 * Manufacturer, `verify` by the Carrier against its own peer, `attest` (which verifies again)
 * by the Carrier, the Retailer and the Authority (3 of 4, the majority), `import` by the
 * Retailer, and `status` by the Authority (the per-record equality check of both world states,
 * which must say equal).
 */
export async function migrateNetworkBench(options: Readonly<MigrateNetworkBenchOptions>): Promise<{ rows: Row[]; results: PhaseResult[] }> {
  const rows: Row[] = [];
  const results: PhaseResult[] = [];
  // Directories named by the source port: two runs on other ports do not meet.
  const base = path.join(PROJECT_ROOT, '.network', `bench-migrate-${options.sourceBasePort}`);
  const sourceDir = `${base}-source`;
  const targetDir = `${base}-target`;
  const work = `${base}-work`;
  const source = open(sourceDir, options.sourceBasePort);
  const target = open(targetDir, options.targetBasePort);
  const sourceFlags = ['--dir', sourceDir, '--base-port', String(options.sourceBasePort)];
  const targetFlags = ['--target-dir', targetDir, '--target-base-port', String(options.targetBasePort)];
  try {
    for (const size of options.sizes) {
      rmSync(work, { recursive: true, force: true });
      mkdirSync(work, { recursive: true });
      log(`${size}: starting the source and target networks`);
      await fresh(sourceDir, options.sourceBasePort);
      await fresh(targetDir, options.targetBasePort);
      log(`${size}: seeding the source through its import path`);
      const seeded = await seedSource(source, size, path.join(work, 'seed.ndjson'), options.seedBatchSize);
      log(`${size}: seeded ${seeded.records} records in ${seeded.seconds.toFixed(0)} s, network CPU ${seeded.networkCpuSeconds.toFixed(0)} s`);
      rows.push(
        { metric: `migrate-network seed (import, batch ${options.seedBatchSize}, in-process) ${size} assets: wall s`, value: seeded.seconds.toFixed(1) },
        { metric: `migrate-network seed (import, batch ${options.seedBatchSize}, in-process) ${size} assets: records/s`, value: (seeded.records / seeded.seconds).toFixed(0) },
        {
          metric: `migrate-network seed (import, batch ${options.seedBatchSize}, in-process) ${size} assets: network CPU µs/record`,
          value: ((seeded.networkCpuSeconds * 1e6) / seeded.records).toFixed(0),
        },
      );
      const file = path.join(work, 'export.ndjson');
      let records = 0;
      /** Runs one `waybill migrate` command; `count` reads its record count from its output (export). */
      const phase = async (name: string, args: readonly string[], count?: (stdout: string) => number): Promise<string> => {
        const sampleFile = path.join(work, `${name.replace(/\W+/g, '-')}.sample.json`);
        const cpu0 = networkCpu([source, target]);
        const t0 = performance.now();
        log(`${size}: ${name}`);
        let stdout: string;
        try {
          ({ stdout } = await run(process.execPath, [`--max-old-space-size=${options.heapCapMb}`, '--expose-gc', '--require', SAMPLER, CLI, 'migrate', ...args], {
            env: { ...process.env, WAYBILL_BENCH_SAMPLE_FILE: sampleFile },
            maxBuffer: 64 << 20,
            timeout: 6 * 3600_000,
          }));
        } catch (err) {
          const e = err as { stderr?: string };
          throw new Error(`${name} at ${size} assets failed: ${(e.stderr ?? String(err)).trim().split('\n').slice(-3).join(' | ')}`);
        }
        const wallSeconds = (performance.now() - t0) / 1000;
        const sample = JSON.parse(readFileSync(sampleFile, 'utf8')) as ProcessSample;
        if (count !== undefined) records = count(stdout);
        const result: PhaseResult = { ...sample, phase: name, size, records, wallSeconds, networkCpuSeconds: networkCpu([source, target]) - cpu0 };
        results.push(result);
        rows.push(...phaseRows(result, options.heapCapMb));
        log(
          `${size}: ${name}: ${records} records in ${wallSeconds.toFixed(1)} s, CLI CPU ${sample.cpuSeconds.toFixed(1)} s, network CPU ${result.networkCpuSeconds.toFixed(1)} s, peak heap+buffers ${sample.peakLiveMb.toFixed(0)} MB, peak RSS ${sample.maxRssMb.toFixed(0)} MB${
            sample.liveAfterGcMb?.length ? `, live after full GC max ${Math.max(...sample.liveAfterGcMb).toFixed(1)} MB (${sample.liveAfterGcMb.length} samples)` : ''
          }`,
        );
        return stdout;
      };
      // Export first: its record count (the assets and no recall) is every later phase's.
      let exported = { root: '', recordCount: 0, exportSha256: '' };
      await phase('export', ['export', '--org', 'Manufacturer', '--out', file, ...sourceFlags], (out) => {
        exported = JSON.parse(out) as typeof exported;
        return exported.recordCount;
      });
      rows.push({ metric: `migrate-network export ${size} assets: export file MB`, value: (statSync(file).size / 2 ** 20).toFixed(0) });
      if (options.verify) await phase('verify (Carrier)', ['verify', '--org', 'Carrier', '--export', file, ...sourceFlags]);
      else log(`${size}: no separate verify phase (WAYBILL_BENCH_MIGRATE_VERIFY=0)`);
      if (options.attest === 'verify') {
        for (const org of ['Carrier', 'Retailer', 'Authority']) {
          await phase(`attest (${org}, verifies again)`, ['attest', '--org', org, '--export', file, ...sourceFlags, ...targetFlags]);
        }
      } else {
        log(`${size}: attestations submitted by the bench without verifying again (WAYBILL_BENCH_MIGRATE_ATTEST=direct)`);
        await attestAs(target, ['Carrier', 'Retailer', 'Authority'], exported);
        rows.push({ metric: `migrate-network ${size} assets: attest`, value: 'not measured (direct)' });
      }
      await phase(`import (Retailer, batch ${options.importBatchSize})`, [
        'import',
        '--org',
        'Retailer',
        '--export',
        file,
        '--batch-size',
        String(options.importBatchSize),
        ...sourceFlags,
        ...targetFlags,
      ]);
      const status = JSON.parse(await phase('status (Authority, equality check)', ['status', '--org', 'Authority', '--export', file, ...sourceFlags, ...targetFlags])) as {
        complete: boolean;
        equality: { equal: boolean; asset: { source: number; equal: number } };
      };
      if (!status.complete || !status.equality.equal || status.equality.asset.equal !== size) {
        throw new Error(`at ${size} assets the target does not equal the source: ${JSON.stringify(status)}`);
      }
      rows.push({ metric: `migrate-network ${size} assets: target equals source (assets compared)`, value: String(status.equality.asset.equal) });
    }
  } finally {
    if (!options.keep) {
      await source.clean().catch(() => undefined);
      await target.clean().catch(() => undefined);
    }
  }
  return { rows, results };
}
