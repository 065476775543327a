import {
  ManagedBlockchainClient,
  ManagedBlockchainServiceException,
} from '@aws-sdk/client-managedblockchain';
import { CliError } from '../common/errors';

/**
 * The AMB client, configured only by the AWS SDK's standard chain: credentials (environment,
 * shared config/credentials files and profiles, SSO, web identity, container/instance roles),
 * region (AWS_REGION, profile) and endpoint (AWS_ENDPOINT_URL_MANAGEDBLOCKCHAIN or
 * AWS_ENDPOINT_URL). No flag carries a secret.
 */
export function newAmbClient(): ManagedBlockchainClient {
  return new ManagedBlockchainClient({});
}

/** AMB closes: said wherever AWS refuses an account the service. */
export const AMB_CLOSING =
  'AWS Managed Blockchain accepts no new customers since 2026-10-29 and ends on 2027-09-29; see docs/aws.md for the way off (waybill migrate)';

/** Operations that AMB refuses to an account that is not an existing customer. */
const CUSTOMER_ONLY = new Set(['CreateNetwork', 'CreateMember', 'CreateNode']);

/**
 * One line for any failure of an AMB call: the service's error name and message, what was being
 * done, and the service's closing where the refusal may stem from it. Never a stack trace.
 */
export function ambError(operation: string, err: unknown): CliError {
  if (err instanceof CliError) return err;
  const e = err as { name?: string; message?: string; code?: string };
  const name = e.name ?? 'Error';
  const message = firstLine(e.message ?? String(err))
    // moto and some endpoints repeat "An error occurred (X) when calling the Y operation: ".
    .replace(/^An error occurred \(\w+\) when calling the \w+ operation: /, '');
  if (err instanceof ManagedBlockchainServiceException || /Exception$/.test(name)) {
    const closing =
      name === 'AccessDeniedException' && CUSTOMER_ONLY.has(operation) ? `. ${AMB_CLOSING}` : '';
    return new CliError(`AWS refused ${operation}: ${name}: ${message}${closing}`, { cause: err });
  }
  if (name === 'CredentialsProviderError') {
    return new CliError(
      `no AWS credentials for ${operation}: set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or run where a role is available (${message})`,
      { cause: err },
    );
  }
  if (/Region is missing|Region not accepted/i.test(message)) {
    return new CliError(
      `no AWS region for ${operation}: set AWS_REGION or a region in your AWS profile`,
      { cause: err },
    );
  }
  if (e.code === 'ECONNREFUSED' || e.code === 'ENOTFOUND' || name === 'TimeoutError') {
    return new CliError(`cannot reach the AMB endpoint for ${operation}: ${message}`, { cause: err });
  }
  return new CliError(`${operation} failed: ${name}: ${message}`, { cause: err });
}

function firstLine(s: string): string {
  return s.split('\n')[0]?.trim() ?? '';
}

/** The error name of an AMB failure, or undefined. */
export function ambErrorName(err: unknown): string | undefined {
  return err instanceof ManagedBlockchainServiceException
    ? err.name
    : (err as { name?: string } | undefined)?.name;
}

export interface PollOptions {
  /** First wait; doubles up to `maxDelayMs`. */
  readonly initialDelayMs: number;
  readonly maxDelayMs: number;
  readonly timeoutMs: number;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly now?: () => number;
}

/** Waits of AMB's provisioning (minutes for a network, ~10 min for a node); WAYBILL_AWS_POLL_MS shortens the first for tests. */
export function pollOptions(env: NodeJS.ProcessEnv = process.env): PollOptions {
  const first = Number(env['WAYBILL_AWS_POLL_MS'] ?? 5000);
  const timeout = Number(env['WAYBILL_AWS_TIMEOUT_S'] ?? 3600) * 1000;
  return {
    initialDelayMs: Number.isFinite(first) && first > 0 ? first : 5000,
    maxDelayMs: 60_000,
    timeoutMs: Number.isFinite(timeout) && timeout > 0 ? timeout : 3_600_000,
  };
}

const realSleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Calls `fn` until `done` accepts its result, waiting with exponential backoff (and ±20 % jitter)
 * in between; `ResourceNotReadyException` counts as "not yet". Reports each state to `progress`.
 * @throws CliError when `failed` says so or the timeout passes.
 */
export async function pollUntil<T>(
  what: string,
  fn: () => Promise<T>,
  state: (value: T) => string,
  done: (value: T) => boolean,
  failed: (value: T) => boolean,
  opts: PollOptions,
  progress: (line: string) => void,
): Promise<T> {
  const sleep = opts.sleep ?? realSleep;
  const now = opts.now ?? Date.now;
  const start = now();
  let delay = opts.initialDelayMs;
  let last = '';
  for (;;) {
    let value: T | undefined;
    try {
      value = await fn();
    } catch (err) {
      if (ambErrorName(err) !== 'ResourceNotReadyException') throw err;
    }
    const s = value === undefined ? 'NOT_READY' : state(value);
    if (s !== last) progress(`${what}: ${s} (${Math.round((now() - start) / 1000)}s)`);
    last = s;
    if (value !== undefined && done(value)) return value;
    if (value !== undefined && failed(value)) throw new CliError(`${what} ended ${s}`);
    if (now() - start > opts.timeoutMs) {
      throw new CliError(
        `${what} still ${s} after ${Math.round(opts.timeoutMs / 1000)}s; run the command again to keep waiting`,
      );
    }
    await sleep(Math.round(delay * (0.8 + Math.random() * 0.4)));
    delay = Math.min(delay * 2, opts.maxDelayMs);
  }
}

/** Calls `fn`, retrying while AMB answers ResourceNotReadyException (a resource still settling). */
export async function whenReady<T>(fn: () => Promise<T>, opts: PollOptions, tries = 8): Promise<T> {
  const sleep = opts.sleep ?? realSleep;
  let delay = opts.initialDelayMs;
  for (let i = 1; ; i++) {
    try {
      return await fn();
    } catch (err) {
      if (ambErrorName(err) !== 'ResourceNotReadyException' || i >= tries) throw err;
      await sleep(delay);
      delay = Math.min(delay * 2, opts.maxDelayMs);
    }
  }
}
