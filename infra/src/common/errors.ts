/**
 * An error the CLI reports as one line and a non-zero exit, without a stack trace.
 * `step` names what was being done; `detail` may carry log lines to show after the message.
 */
export class WaybillError extends Error {
  readonly step: string | undefined;
  readonly detail: string | undefined;

  constructor(message: string, options: { step?: string; detail?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'WaybillError';
    this.step = options.step;
    this.detail = options.detail;
  }
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
