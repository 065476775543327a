import { execFile, execFileSync } from 'node:child_process';
import path from 'node:path';
import { PROJECT_ROOT } from '../local/context';

/** The built CLI entry point. */
export const CLI = path.join(PROJECT_ROOT, 'infra', 'dist', 'cli.js');

/** Compiles infra (incremental) so that CLI tests run the current sources; throws tsc's output. */
export function buildCli(): void {
  try {
    execFileSync(
      process.execPath,
      [path.join(PROJECT_ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-b', 'infra'],
      {
        cwd: PROJECT_ROOT,
        stdio: 'pipe',
        timeout: 180_000,
      },
    );
  } catch (err) {
    const e = err as { stdout?: Buffer; stderr?: Buffer; message: string };
    throw new Error(
      `tsc -b infra failed: ${(e.stdout?.toString() ?? '') + (e.stderr?.toString() ?? '') || e.message}`,
    );
  }
}

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * The environment a CLI test runs in: the caller's, without any WAYBILL_* or FABRIC_* setting that
 * could point the CLI at a real network, and with WAYBILL_NETWORK_DIR set to `networkDir` so that
 * a command given no --dir still never touches `.network/dev`.
 */
export function cliEnv(networkDir: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!k.startsWith('WAYBILL_') && !k.startsWith('FABRIC_')) env[k] = v;
  }
  return { ...env, WAYBILL_NETWORK_DIR: networkDir, NO_COLOR: '1', ...extra };
}

/** Runs `node infra/dist/cli.js …`; resolves with the exit code and both streams. */
export function runCli(
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  timeoutMs = 60_000,
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [CLI, ...args],
      { cwd: PROJECT_ROOT, env, timeout: timeoutMs },
      (err, stdout, stderr) => {
        if (err && typeof err.code !== 'number') {
          reject(new Error(`waybill ${args.join(' ')} did not exit normally: ${err.message}`));
          return;
        }
        resolve({ code: err ? (err.code as number) : 0, stdout, stderr });
      },
    );
  });
}
