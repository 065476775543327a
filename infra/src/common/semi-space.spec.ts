import { execFile, spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { buildCli, CLI, cliEnv } from '../testing/cli';
import { TmpDirs } from '../testing/tmp';
import { decideSemiSpace, SEMI_SPACE_ENV } from './semi-space';

const NODE = '/usr/bin/node';
const argv = (...args: string[]): string[] => [NODE, CLI, ...args];

describe('decideSemiSpace', () => {
  it('relaunches every migrate subcommand with an 8 MB semi-space by default', () => {
    for (const sub of ['export', 'verify', 'attest', 'import', 'status']) {
      expect(decideSemiSpace(argv('migrate', sub, '--org', 'Retailer'), [], {})).toEqual({
        relaunch: true,
        flag: '--max-semi-space-size=8',
      });
    }
    expect(decideSemiSpace(argv('migrate'), ['--max-old-space-size=64', '--expose-gc'], { NODE_OPTIONS: '--enable-source-maps' })).toEqual({
      relaunch: true,
      flag: '--max-semi-space-size=8',
    });
  });

  it('leaves every other command alone', () => {
    for (const args of [[], ['--help'], ['network', 'up'], ['stack', 'up', '--migrate'], ['chaincode', 'deploy']]) {
      expect(decideSemiSpace(argv(...args), [], {})).toEqual({ relaunch: false });
    }
  });

  it('does not relaunch when the Node flags or NODE_OPTIONS already set the size (nor when it is the child)', () => {
    expect(decideSemiSpace(argv('migrate', 'import'), ['--max-semi-space-size=8'], {})).toEqual({ relaunch: false });
    expect(decideSemiSpace(argv('migrate', 'import'), ['--max_semi_space_size=32'], {})).toEqual({ relaunch: false });
    expect(decideSemiSpace(argv('migrate', 'import'), [], { NODE_OPTIONS: '--expose-gc --max-semi-space-size=16' })).toEqual({ relaunch: false });
    expect(decideSemiSpace(argv('migrate', 'import'), [], { NODE_OPTIONS: '--max_semi_space_size=4' })).toEqual({ relaunch: false });
  });

  it('does not relaunch under the inspector (a debugger would see only the waiting parent)', () => {
    expect(decideSemiSpace(argv('migrate', 'import'), ['--inspect-brk'], {})).toEqual({ relaunch: false });
    expect(decideSemiSpace(argv('migrate', 'import'), ['--inspect=9230'], {})).toEqual({ relaunch: false });
    expect(decideSemiSpace(argv('migrate', 'import'), [], { NODE_OPTIONS: '--inspect' })).toEqual({ relaunch: false });
    expect(decideSemiSpace(argv('migrate', 'import'), ['--inspect-publish-uid=http'], {})).toEqual({ relaunch: true, flag: '--max-semi-space-size=8' });
  });

  it(`${SEMI_SPACE_ENV}: 0 opts out, a number sets the size, anything else is an error`, () => {
    expect(decideSemiSpace(argv('migrate', 'export'), [], { [SEMI_SPACE_ENV]: '0' })).toEqual({ relaunch: false });
    expect(decideSemiSpace(argv('migrate', 'export'), [], { [SEMI_SPACE_ENV]: '16' })).toEqual({
      relaunch: true,
      flag: '--max-semi-space-size=16',
    });
    expect(decideSemiSpace(argv('migrate', 'export'), [], { [SEMI_SPACE_ENV]: '' })).toEqual({
      relaunch: true,
      flag: '--max-semi-space-size=8',
    });
    for (const bad of ['x', '-1', '8.5', '2048']) {
      expect(decideSemiSpace(argv('migrate', 'export'), [], { [SEMI_SPACE_ENV]: bad })).toEqual({
        relaunch: false,
        error: `${SEMI_SPACE_ENV}="${bad}" must be a whole number of MB up to 1024 (0 keeps V8's default)`,
      });
    }
  });
});

/**
 * The real CLI (infra/dist/cli.js) with a preloaded probe: every Node process that loads it makes
 * short-lived garbage fast (as an import does), then appends its pid, Node flags and V8 new_space
 * size to a file. PROBE_EXIT makes the child (the process started with the flag) exit with that
 * code; PROBE_HANG makes it wait to be killed; PROBE_HOLD makes it hold a 200 MB buffer.
 */
describe('waybill migrate in a child with a small young generation (real processes)', () => {
  const tmp = new TmpDirs();
  let dir: string;
  let probe: string;
  let out: string;
  interface Probe {
    readonly pid: number;
    readonly ppid: number;
    readonly execArgv: string[];
    readonly newSpaceMb: number;
  }
  const probes = (): Probe[] =>
    existsSync(out)
      ? readFileSync(out, 'utf8')
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l) as Probe)
      : [];

  beforeAll(() => buildCli(), 180_000);
  beforeEach(() => {
    dir = tmp.make('waybill-semi-');
    probe = path.join(dir, 'probe.js');
    out = path.join(dir, 'probe.ndjson');
    writeFileSync(
      probe,
      `const v8 = require('node:v8');
       let keep = [];
       for (let i = 0; i < 2e6; i++) { keep.push({ i, s: 'x' + i }); if (keep.length > 2e5) keep = []; }
       const ns = v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space');
       require('node:fs').appendFileSync(process.env.PROBE_OUT, JSON.stringify({ pid: process.pid, ppid: process.ppid, execArgv: process.execArgv, newSpaceMb: ns.space_size / 2 ** 20 }) + '\\n');
       const child = process.execArgv.some((a) => a.startsWith('--max-semi-space-size'));
       if (child && process.env.PROBE_EXIT) setTimeout(() => process.exit(Number(process.env.PROBE_EXIT)), 0);
       if (child && process.env.PROBE_HANG) setInterval(() => undefined, 1000);
       if (child && process.env.PROBE_HOLD) globalThis.held = Buffer.alloc(200 * 2 ** 20, 1);
      `,
    );
  });
  afterAll(() => tmp.cleanup());
  jest.setTimeout(60_000);

  function waybill(
    args: readonly string[],
    extra: NodeJS.ProcessEnv = {},
    nodeFlags: readonly string[] = [],
  ): Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
      execFile(
        process.execPath,
        [...nodeFlags, '--require', probe, CLI, ...args],
        { env: cliEnv(dir, { NODE_OPTIONS: '', PROBE_OUT: out, ...extra }) },
        (err, stdout, stderr) => {
          const e = err as (Error & { code?: number; signal?: string }) | null;
          resolve({ code: e ? (e.code ?? null) : 0, signal: e?.signal ?? null, stdout, stderr });
        },
      );
    });
  }

  it('runs the command in one child whose new space stays at most 2 × 8 MB; same output, exit 0', async () => {
    const r = await waybill(['migrate', '--help']);
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
    expect(r.stdout).toMatch(/^Usage: waybill migrate /);
    const [parent, child, ...more] = probes();
    expect(more).toEqual([]);
    expect(parent?.execArgv).toEqual(['--require', probe]);
    expect(child?.execArgv).toEqual(['--require', probe, '--max-semi-space-size=8']);
    expect(child?.ppid).toBe(parent?.pid);
    expect(child?.newSpaceMb).toBeLessThanOrEqual(16);
  });

  it(`with ${SEMI_SPACE_ENV}=0 one process runs it, and V8's young generation grows past that`, async () => {
    const r = await waybill(['migrate', '--help'], { [SEMI_SPACE_ENV]: '0' });
    expect(r.code).toBe(0);
    const all = probes();
    expect(all).toHaveLength(1);
    expect(all[0]?.newSpaceMb).toBeGreaterThan(16);
  });

  it("passes the child's exit code on", async () => {
    const r = await waybill(['migrate', '--help'], { PROBE_EXIT: '7' });
    expect({ code: r.code, signal: r.signal }).toEqual({ code: 7, signal: null });
    expect(probes()).toHaveLength(2);
  });

  it('a bad size is refused in one line, exit 1, nothing started', async () => {
    const r = await waybill(['migrate', 'status'], { [SEMI_SPACE_ENV]: 'lots' });
    expect({ code: r.code, stdout: r.stdout, stderr: r.stderr }).toEqual({
      code: 1,
      stdout: '',
      stderr: `waybill: ${SEMI_SPACE_ENV}="lots" must be a whole number of MB up to 1024 (0 keeps V8's default)\n`,
    });
    expect(probes()).toHaveLength(1);
  });

  /** The CLI on a child that hangs until stopped; resolves once the child runs, with the CLI's end. */
  async function hangingCli() {
    const cli = spawn(process.execPath, ['--require', probe, CLI, 'migrate', '--help'], {
      env: cliEnv(dir, { NODE_OPTIONS: '', PROBE_OUT: out, PROBE_HANG: '1' }),
      stdio: 'ignore',
    });
    const ended = new Promise<{ code: number | null; signal: string | null }>((resolve) => cli.on('exit', (code, signal) => resolve({ code, signal })));
    const deadline = Date.now() + 30_000;
    while (probes().length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const child = probes()[1];
    expect(child?.ppid).toBe(cli.pid);
    return { cli, ended, childPid: child?.pid ?? 0 };
  }

  it('SIGTERM to the CLI reaches the child, and the CLI ends by the same signal', async () => {
    const { cli, ended, childPid } = await hangingCli();
    cli.kill('SIGTERM');
    expect(await ended).toEqual({ code: null, signal: 'SIGTERM' });
    expect(() => process.kill(childPid, 0)).toThrow(expect.objectContaining({ code: 'ESRCH' }) as Error);
  });

  it('SIGKILL of the CLI (which it cannot pass on) still ends the child: it stops when the launcher is gone', async () => {
    const { cli, ended, childPid } = await hangingCli();
    // Still running a moment later: the probe hangs until it is stopped.
    await new Promise((r) => setTimeout(r, 300));
    expect(process.kill(childPid, 0)).toBe(true);
    cli.kill('SIGKILL');
    expect(await ended).toEqual({ code: null, signal: 'SIGKILL' });
    const gone = Date.now() + 10_000;
    let alive = true;
    while (alive && Date.now() < gone) {
      try {
        process.kill(childPid, 0);
        await new Promise((r) => setTimeout(r, 50));
      } catch {
        alive = false;
      }
    }
    expect(alive).toBe(false);
  });

  it("a preloaded bench sampler reports the child's run, not the waiting parent's", async () => {
    const report = path.join(dir, 'sample.json');
    const sampler = path.join(path.dirname(CLI), 'bench', 'process-sampler.js');
    const r = await waybill(['migrate', '--help'], { PROBE_HOLD: '1', WAYBILL_BENCH_SAMPLE_FILE: report }, ['--require', sampler]);
    expect(r.code).toBe(0);
    expect(probes()).toHaveLength(2);
    // Only the child held 200 MB (the churn above stays far below); the parent, exiting after it, did not write over its report.
    expect(JSON.parse(readFileSync(report, 'utf8'))).toMatchObject({ exitCode: 0, peakLiveMb: expect.any(Number) as number });
    expect((JSON.parse(readFileSync(report, 'utf8')) as { peakLiveMb: number }).peakLiveMb).toBeGreaterThanOrEqual(200);
  });
});
