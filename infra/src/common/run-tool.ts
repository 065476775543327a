import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { CliError } from './errors';

const execFileAsync = promisify(execFile);

/** How to run an external tool and what to say when it fails. */
export interface ToolRun {
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
  /** 0: no bound. */
  readonly timeoutMs: number;
  readonly maxBuffer?: number;
  /**
   * What failed, for the CLI's one-line error: `"configtxgen"` gives `configtxgen failed: <the
   * tool's last lines>`; a function writes the whole message from those lines.
   */
  readonly failure: string | ((output: string) => string);
  /** How many of the tool's last output lines the error quotes (default 2). */
  readonly lines?: number;
  /** The step of the command that ran the tool ({@link CliError.step}). */
  readonly step?: string;
}

/**
 * The last `lines` non-empty lines a failed child process printed (stderr, else stdout, else the
 * error message), joined on one line so that a CLI error stays one line.
 */
export function commandOutput(err: unknown, lines = 2): string {
  const e = err as { stderr?: string | Buffer; stdout?: string | Buffer; message?: string };
  const text = String(e.stderr || '') || String(e.stdout || '') || e.message || String(err);
  return text
    .trim()
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .slice(-lines)
    .join(' | ');
}

function toolError(err: unknown, run: Readonly<ToolRun>): CliError {
  const output = commandOutput(err, run.lines);
  const message = typeof run.failure === 'string' ? `${run.failure} failed: ${output}` : run.failure(output);
  return new CliError(message, { ...(run.step === undefined ? {} : { step: run.step }), cause: err });
}

function execOptions(run: Readonly<ToolRun>) {
  return {
    ...(run.cwd === undefined ? {} : { cwd: run.cwd }),
    ...(run.env === undefined ? {} : { env: run.env }),
    ...(run.maxBuffer === undefined ? {} : { maxBuffer: run.maxBuffer }),
    timeout: run.timeoutMs,
  };
}

/**
 * Runs an external tool to its end (no shell) and returns what it printed.
 * @throws CliError (one line: what failed and the tool's last lines) when it fails or times out.
 */
export async function runTool(command: string, args: readonly string[], run: Readonly<ToolRun>): Promise<{ stdout: string; stderr: string }> {
  try {
    return await execFileAsync(command, [...args], { ...execOptions(run), encoding: 'utf8' });
  } catch (err) {
    throw toolError(err, run);
  }
}

/**
 * {@link runTool} for a tool whose output is binary (an archive on stdout).
 * @throws CliError as {@link runTool} does.
 */
export async function runToolForBytes(command: string, args: readonly string[], run: Readonly<ToolRun>): Promise<Buffer> {
  try {
    return (await execFileAsync(command, [...args], { ...execOptions(run), encoding: 'buffer' })).stdout;
  } catch (err) {
    throw toolError(err, run);
  }
}

/**
 * {@link runTool}, synchronously, for a step that has nothing else to do meanwhile; stderr goes to
 * the CLI's own stderr when `inheritStderr` (progress of a long install).
 * @throws CliError as {@link runTool} does.
 */
export function runToolSync(command: string, args: readonly string[], run: Readonly<ToolRun> & { readonly inheritStderr?: boolean }): string {
  try {
    return execFileSync(command, [...args], {
      ...execOptions(run),
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', run.inheritStderr ? 'inherit' : 'pipe'],
    });
  } catch (err) {
    throw toolError(err, run);
  }
}

/**
 * Asks a tool something (its version, a setting) where a failure only means "no answer": a missing
 * tool, a crash or a timeout gives undefined.
 */
export async function askTool(
  command: string,
  args: readonly string[],
  options: { readonly timeoutMs: number; readonly env?: NodeJS.ProcessEnv },
): Promise<{ stdout: string; stderr: string } | undefined> {
  try {
    return await execFileAsync(command, [...args], {
      timeout: options.timeoutMs,
      encoding: 'utf8',
      ...(options.env === undefined ? {} : { env: options.env }),
    });
  } catch {
    return undefined;
  }
}
