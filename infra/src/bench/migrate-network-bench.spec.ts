import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseSizes, phaseRows, seedReader } from './migrate-network-report';
import type { ProcessSample } from './process-sampler';

describe('migrate-network bench', () => {
  it('parses the sizes and refuses anything else with one line', () => {
    expect(parseSizes('10000, 100000')).toEqual([10000, 100000]);
    for (const bad of ['', '10k', '0', '1.5', '10000,-1']) expect(() => parseSizes(bad)).toThrow(/^WAYBILL_BENCH_MIGRATE_SIZES must be/);
  });

  it('turns a phase into records/s, CPU per record and peak memory', () => {
    const rows = phaseRows(
      { phase: 'export', size: 10, records: 10, wallSeconds: 2, seconds: 1.9, cpuSeconds: 0.5, networkCpuSeconds: 1, maxRssMb: 150.4, peakLiveMb: 40.6, exitCode: 0 },
      64,
    );
    expect(Object.fromEntries(rows.map((r) => [r.metric, r.value]))).toEqual({
      'migrate-network export 10 assets: wall s': '2.0',
      'migrate-network export 10 assets: records/s': '5',
      'migrate-network export 10 assets: CLI CPU µs/record': '50000',
      'migrate-network export 10 assets: network CPU µs/record (peers, orderers, chaincode)': '100000',
      'migrate-network export 10 assets: peak heap+buffers MB (heap cap 64 MB)': '41',
      'migrate-network export 10 assets: peak RSS MB': '150',
    });
  });

  it('reports what the process kept after forced full collections: the largest and the first and last tenth', () => {
    const rows = phaseRows(
      {
        phase: 'import',
        size: 10,
        records: 10,
        wallSeconds: 2,
        seconds: 1.9,
        cpuSeconds: 0.5,
        networkCpuSeconds: 1,
        maxRssMb: 150,
        peakLiveMb: 80,
        exitCode: 0,
        liveAfterGcMb: [20, 21, 30, 22, 25, 24, 23, 22, 21, 20, 22, 19, 26, 27, 28, 29, 30, 31, 32, 33],
      },
      64,
    );
    const byMetric = Object.fromEntries(rows.map((r) => [r.metric, r.value]));
    expect(byMetric['migrate-network import 10 assets: live heap+buffers after full GC MB, max of 20 samples']).toBe('33.0');
    expect(byMetric['migrate-network import 10 assets: live heap+buffers after full GC MB, first tenth → last tenth (medians)']).toBe('20.0 → 32.0');
  });

  it('seeds assets only: no recall, whose synthetic transaction would not be on the source ledger', async () => {
    const reader = seedReader(3);
    expect((await reader.exportAssets(10, '')).records.map((r) => r.asset.id)).toEqual(['A-0000000', 'A-0000001', 'A-0000002']);
    expect(await reader.exportRecalls(10, '')).toEqual({ records: [], bookmark: '' });
  });

  it('the preloaded sampler reports the process it ran in, at exit', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'waybill-sampler-'));
    try {
      const out = path.join(dir, 'sample.json');
      const script = path.join(dir, 'work.js');
      // 40 MB held for a while, then exit code 3.
      writeFileSync(script, 'const b = Buffer.alloc(40 * 2 ** 20, 1); setTimeout(() => { b.fill(2); process.exitCode = 3; }, 200);');
      // ts-jest runs the TypeScript source; the sampler's compiled twin is what the bench preloads.
      const sampler = path.join(__dirname, 'process-sampler.ts');
      let code = 0;
      try {
        execFileSync(process.execPath, ['--experimental-strip-types', '--disable-warning=ExperimentalWarning', '--require', sampler, script], {
          env: { ...process.env, NODE_OPTIONS: '', WAYBILL_BENCH_SAMPLE_FILE: out },
          stdio: 'ignore',
        });
      } catch (err) {
        code = (err as { status: number }).status;
      }
      expect(code).toBe(3);
      const sample = JSON.parse(readFileSync(out, 'utf8')) as ProcessSample;
      expect(sample.exitCode).toBe(3);
      expect(sample.peakLiveMb).toBeGreaterThanOrEqual(40);
      expect(sample.maxRssMb).toBeGreaterThanOrEqual(40);
      expect(sample.seconds).toBeGreaterThanOrEqual(0.2);
      expect(sample.cpuSeconds).toBeGreaterThan(0);
      // Without --expose-gc there is no live sample.
      expect(sample.liveAfterGcMb).toBeUndefined();

      // With --expose-gc: what survives a full collection, sampled every 50 ms: the 30 MB buffer
      // while it is held, not the 100 MB of garbage made meanwhile, nor once it is let go.
      writeFileSync(
        script,
        'let held = Buffer.alloc(30 * 2 ** 20, 1); const t = setInterval(() => Buffer.alloc(2 ** 20, 2), 5);' +
          'setTimeout(() => { held = undefined; clearInterval(t); }, 500); setTimeout(() => held, 1000);',
      );
      execFileSync(process.execPath, ['--expose-gc', '--experimental-strip-types', '--disable-warning=ExperimentalWarning', '--require', sampler, script], {
        env: { ...process.env, NODE_OPTIONS: '', WAYBILL_BENCH_SAMPLE_FILE: out, WAYBILL_BENCH_LIVE_EVERY_MS: '50' },
        stdio: 'ignore',
      });
      const live = (JSON.parse(readFileSync(out, 'utf8')) as ProcessSample).liveAfterGcMb ?? [];
      expect(live.length).toBeGreaterThanOrEqual(10);
      // Garbage whose buffers a collection has not yet freed only adds: the least of the samples.
      const heldLive = Math.min(...live.slice(0, 5));
      expect(heldLive).toBeGreaterThanOrEqual(30);
      expect(heldLive).toBeLessThan(40);
      expect(live[live.length - 1]).toBeLessThan(15);

      // Stopped by SIGTERM (a run cut short): it still reports.
      const looping = path.join(dir, 'loop.js');
      writeFileSync(looping, 'setInterval(() => undefined, 1000);');
      rmSync(out);
      const killed = execFileSync(
        process.execPath,
        [
          '-e',
          `const c = require('node:child_process').spawn(process.execPath, ['--experimental-strip-types', '--disable-warning=ExperimentalWarning', '--require', ${JSON.stringify(sampler)}, ${JSON.stringify(looping)}], { stdio: 'ignore', env: { ...process.env, NODE_OPTIONS: '', WAYBILL_BENCH_SAMPLE_FILE: ${JSON.stringify(out)} } });
           setTimeout(() => c.kill('SIGTERM'), 1500); c.on('exit', (code) => process.stdout.write(String(code)));`,
        ],
        { encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } },
      );
      expect(killed).toBe('143');
      expect(JSON.parse(readFileSync(out, 'utf8'))).toMatchObject({ exitCode: 143 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
