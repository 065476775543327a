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
