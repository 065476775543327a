import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { orgApi } from '../support/api';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const env = require('../support/env') as { dir: string; root: string };

// The served OpenAPI document as a contract, checked by a property-based fuzzer: Schemathesis
// (PyPI, pinned in scripts/lib.sh, installed into .tools/schemathesis) generates schema-valid
// requests for every operation from the manufacturer gateway's /docs/openapi.json and sends them
// with a non-admin API key. It talks to that gateway's loopback address only; webhook subscriptions
// need an admin key, and the e2e gateways deliver to 127.0.0.1 alone anyway.
// Settings (seed, examples per operation, checks): test/fuzz/schemathesis.toml; the few generated
// values that stand for server-issued state (cursors, event IDs, idempotency keys): test/fuzz/hooks.py.

const ORG = 'manufacturer';
/** A non-admin identity: the manufacturer role of `stack up`'s keys file. */
const IDENTITY = 'manufacturer-user1';
const FUZZ = path.join(env.root, 'test', 'fuzz');
const ST = path.join(env.root, '.tools', 'schemathesis', 'bin', 'st');
const RUN_LIMIT_MS = 6 * 60_000;

/** The parts of Schemathesis' JSON run report the suite reads. */
interface RunReport {
  readonly schemathesis_version: string;
  readonly operations: { readonly total: number; readonly tested: number; readonly errored: number };
  readonly test_cases: { readonly generated: number; readonly with_failures: number };
  readonly failures: readonly { readonly code: string; readonly title: string; readonly count: number }[];
  readonly errors: readonly unknown[];
}

/** Failure codes of the checks the suite enables (schemathesis/openapi/checks.py, core/failures.py). */
const SERVER_ERROR = 'ST101';
const UNDOCUMENTED_STATUS = 'ST103';
const REFUSED_VALID = 'ST202';

function countOf(report: RunReport, code: string): number {
  return report.failures.filter((f) => f.code === code).reduce((n, f) => n + f.count, 0);
}

function runFuzzer(
  baseUrl: string,
  apiKey: string,
  out: string,
): Promise<{ code: number | null; log: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      ST,
      [
        '--config-file',
        path.join(FUZZ, 'schemathesis.toml'),
        '--no-color',
        'run',
        `${baseUrl}/docs/openapi.json`,
        '--report',
        'json',
        '--report-json-path',
        path.join(out, 'report.json'),
        '--output-truncate',
        'false',
      ],
      {
        cwd: out,
        // The key goes through the environment (the config file reads it), never the command line.
        env: {
          PATH: process.env.PATH ?? '',
          HOME: process.env.HOME ?? out,
          WAYBILL_FUZZ_API_KEY: apiKey,
          SCHEMATHESIS_HOOKS: path.join(FUZZ, 'hooks.py'),
          PYTHONDONTWRITEBYTECODE: '1',
          // Loopback only: no proxy may carry a request elsewhere.
          NO_PROXY: '*',
          no_proxy: '*',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let log = '';
    child.stdout.on('data', (d: Buffer) => (log += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (log += d.toString('utf8')));
    const timer = setTimeout(() => child.kill('SIGKILL'), RUN_LIMIT_MS);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, log });
    });
  });
}

describe('the served OpenAPI document, fuzzed (Schemathesis, real network)', () => {
  beforeAll(() => {
    // Installs the pinned Schemathesis when .tools lacks it (npm test does this before the suites).
    execFileSync('bash', ['-c', 'source scripts/lib.sh && ensure_schemathesis'], {
      cwd: env.root,
      stdio: ['ignore', 'ignore', 'inherit'],
      timeout: 10 * 60_000,
    });
  }, 10 * 60_000);

  it(
    'finds no server error, no schema-valid request refused and no undocumented status code',
    async () => {
      const api = orgApi(ORG);
      const url = new URL(api.url);
      expect(['127.0.0.1', 'localhost', '[::1]']).toContain(url.hostname);
      const key = api.keys[IDENTITY];
      if (!key) throw new Error(`no API key for ${IDENTITY}`);
      const out = path.join(env.dir, 'fuzz');
      mkdirSync(out, { recursive: true });

      rmSync(path.join(out, 'report.json'), { force: true });
      const { code, log } = await runFuzzer(api.url, key, out);
      writeFileSync(path.join(out, 'schemathesis.log'), log);
      if (code === null || !existsSync(path.join(out, 'report.json'))) {
        throw new Error(
          `Schemathesis did not finish (exit ${String(code)}, limit ${RUN_LIMIT_MS / 1000} s): ${log.slice(-2000)}`,
        );
      }
      const report = JSON.parse(readFileSync(path.join(out, 'report.json'), 'utf8')) as RunReport;
      const counts = {
        operations: `${report.operations.tested}/${report.operations.total}`,
        requests: report.test_cases.generated,
        serverErrors: countOf(report, SERVER_ERROR),
        refusedValid: countOf(report, REFUSED_VALID),
        undocumentedStatus: countOf(report, UNDOCUMENTED_STATUS),
        otherFailures: report.failures
          .filter((f) => ![SERVER_ERROR, REFUSED_VALID, UNDOCUMENTED_STATUS].includes(f.code))
          .reduce((n, f) => n + f.count, 0),
        errors: report.errors.length + report.operations.errored,
      };
      console.log(
        `fuzz (schemathesis ${report.schemathesis_version}): ${JSON.stringify(counts)}; log: ${path.join(out, 'schemathesis.log')}`,
      );
      const clean =
        counts.serverErrors +
          counts.refusedValid +
          counts.undocumentedStatus +
          counts.otherFailures +
          counts.errors ===
        0;
      // The failing cases, each with its answer and a curl line to reproduce it (API key filtered).
      if (!clean) console.log(log.slice(log.indexOf('FAILURES') >= 0 ? log.indexOf('FAILURES') : 0));
      expect(counts).toMatchObject({
        serverErrors: 0,
        refusedValid: 0,
        undocumentedStatus: 0,
        otherFailures: 0,
        errors: 0,
      });
      expect(report.operations.tested).toBe(report.operations.total);
      expect(report.test_cases.generated).toBeGreaterThan(500);
      expect(code).toBe(0);
    },
    RUN_LIMIT_MS + 60_000,
  );
});
