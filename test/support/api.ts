import { readFileSync } from 'node:fs';
import path from 'node:path';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const env = require('./env') as { dir: string; basePort: string };

/** One organisation's gateway API on the e2e network, with the API keys `stack up` created. */
export interface OrgApi {
  readonly url: string;
  readonly keys: Readonly<Record<string, string>>;
}

export interface ApiResponse<T = unknown> {
  readonly status: number;
  readonly headers: Headers;
  readonly body: T;
}

export interface RequestOptions {
  /** Identity whose API key signs the call (its key from the keys file), or a raw key via `apiKey`. */
  readonly as?: string;
  readonly apiKey?: string;
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

/** The gateway API of `org` (manufacturer, carrier, retailer) on the e2e network. */
export function orgApi(org: string): OrgApi {
  const file = path.join(env.dir, 'gateway', `${org}-api-keys.json`);
  return JSON.parse(readFileSync(file, 'utf8')) as OrgApi;
}

/** Calls one organisation's gateway API; parses JSON and problem+json bodies. */
export async function call<T = unknown>(
  org: string,
  method: string,
  urlPath: string,
  opts: RequestOptions = {},
): Promise<ApiResponse<T>> {
  const api = orgApi(org);
  const headers: Record<string, string> = { ...opts.headers };
  const key = opts.apiKey ?? (opts.as ? api.keys[opts.as] : undefined);
  if (opts.as && !key) throw new Error(`no API key for ${opts.as} in ${org}'s keys file`);
  if (key) headers['x-api-key'] = key;
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${api.url}${urlPath}`, {
    method,
    headers,
    body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
  });
  const text = await res.text();
  const type = res.headers.get('content-type') ?? '';
  const body = (type.includes('json') && text ? JSON.parse(text) : text) as T;
  return { status: res.status, headers: res.headers, body };
}

/** The RFC 9457 body the gateway answers errors with. */
export interface Problem {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail?: string;
  readonly instance?: string;
  readonly code: string;
  readonly correlationId: string;
  readonly retryable: boolean;
  readonly txId?: string;
  readonly attempts?: number;
  readonly validationCode?: string;
  readonly errors?: readonly { field: string; message: string }[];
}

/** Body of a committed write. */
export interface Committed<T> {
  readonly txId: string;
  readonly blockNumber: number;
  readonly attempts: number;
  readonly result: T;
}

/**
 * Checks that `res` is a well-formed problem+json for `code` with `status`: stable `type`, the
 * correlation id in body and header, no stack trace or peer internals. Returns the problem.
 */
export function expectProblem(res: ApiResponse, status: number, code: string): Problem {
  const problem = res.body as Problem;
  const summary = JSON.stringify({ status: res.status, body: res.body });
  if (res.status !== status) throw new Error(`expected ${status} ${code}, got ${summary}`);
  expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(problem).toMatchObject({
    type: `urn:waybill:problem:${code.toLowerCase().replace(/_/g, '-')}`,
    status,
    code,
    title: expect.any(String) as unknown,
    retryable: expect.any(Boolean) as unknown,
  });
  expect(problem.correlationId).toMatch(/^[A-Za-z0-9._:-]{1,128}$/);
  expect(res.headers.get('x-correlation-id')).toBe(problem.correlationId);
  if (problem.txId !== undefined) expect(res.headers.get('x-transaction-id')).toBe(problem.txId);
  // Internals stay in the gateway's log: no stack frames, no gRPC or peer wording.
  const text = JSON.stringify(problem);
  expect(text).not.toMatch(/\bat .+\.(js|ts):\d+|node_modules|stack|grpc|endorsement failure|peer0\./i);
  return problem;
}

/** Body and write metadata of a committed write, failing with the whole answer otherwise. */
export function committed<T>(res: ApiResponse, status = 200): Committed<T> {
  if (res.status !== status) {
    throw new Error(`expected ${status}, got ${res.status}: ${JSON.stringify(res.body)}`);
  }
  const body = res.body as Committed<T>;
  expect(body.txId).toMatch(/^[0-9a-f]{64}$/);
  expect(res.headers.get('x-transaction-id')).toBe(body.txId);
  expect(body.blockNumber).toBeGreaterThan(0);
  expect(body.attempts).toBeGreaterThanOrEqual(1);
  return body;
}

/** A valid `POST /v1/assets` body. */
export function assetBody(id: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id,
    product: { sku: 'SKU-API-E2E', description: 'Pallet of canned tomatoes' },
    quantity: { amount: 100, unit: 'case' },
    origin: { site: 'Plant 7', country: 'IT' },
    ...overrides,
  };
}
