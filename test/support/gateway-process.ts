import { type ChildProcess, execFile, execFileSync, spawn } from 'node:child_process';
import { openSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { gatewayEnv } from './fabric';

const run = promisify(execFile);
export const ROOT = path.resolve(__dirname, '..', '..');
export const GATEWAY = path.join(ROOT, 'gateway-api', 'dist');

/** The gateway's own database access (SQLite file or PostgreSQL URL), for checks on the store. */
export interface StoreDb {
  query<T>(sql: string, params?: unknown[]): Promise<T[]>;
  execute(sql: string, params?: unknown[]): Promise<number>;
  close(): Promise<void>;
}

/** Opens a gateway database with the gateway's own code. */
export async function openStore(url: string): Promise<StoreDb> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { openDatabase } = require(path.join(GATEWAY, 'database', 'open-database.js')) as {
    openDatabase: (c: unknown) => Promise<StoreDb>;
  };
  return openDatabase(
    url.startsWith('postgres') ? { kind: 'postgres', url, poolSize: 2 } : { kind: 'sqlite', path: url },
  );
}

/** Runs `sql` on a gateway database and closes it again. */
export async function storeQuery<T>(url: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const db = await openStore(url);
  try {
    return await db.query<T>(sql, params);
  } finally {
    await db.close();
  }
}

/** Runs a statement on a gateway database and closes it again. */
export async function storeExecute(url: string, sql: string, params: unknown[] = []): Promise<number> {
  const db = await openStore(url);
  try {
    return await db.execute(sql, params);
  } finally {
    await db.close();
  }
}

/** Polls `probe` until it gives a value; fails with `what` after `ms`. */
export async function until<T>(what: string, probe: () => Promise<T | undefined>, ms = 90_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** A throw-away PostgreSQL server (scripts/postgres.sh) on `port`. */
export async function startPostgres(port: number): Promise<{ dir: string; url: string }> {
  const { stdout } = await run('bash', [path.join(ROOT, 'scripts', 'postgres.sh'), 'start'], {
    env: { ...process.env, WAYBILL_TEST_PG_PORT: String(port) },
    timeout: 300_000,
  });
  const [dir, url] = stdout.trim().split(' ');
  if (!dir || !url) throw new Error(`postgres.sh start printed ${stdout}`);
  return { dir, url };
}

export async function stopPostgres(dir: string): Promise<void> {
  await run('bash', [path.join(ROOT, 'scripts', 'postgres.sh'), 'stop', dir]);
}

/**
 * A Manufacturer gateway process of a test's own: its own port, database and log, on the e2e
 * network; started, killed and restarted by the test.
 */
export class GatewayProcess {
  child: ChildProcess | undefined;
  readonly url: string;

  constructor(
    private readonly dir: string,
    private readonly port: number,
    private readonly env: Readonly<NodeJS.ProcessEnv>,
  ) {
    this.url = `http://127.0.0.1:${port}`;
  }

  /** The environment of the process, with `extra` on top (undefined removes a variable). */
  environment(extra: Readonly<Record<string, string | undefined>> = {}): NodeJS.ProcessEnv {
    const e: NodeJS.ProcessEnv = { ...gatewayEnv('manufacturer'), PORT: String(this.port), ...this.env };
    delete e.WAYBILL_TEST_FAULT;
    for (const [k, v] of Object.entries(extra)) {
      if (v === undefined) delete e[k];
      else e[k] = v;
    }
    return e;
  }

  /** Creates an API key for `identity` in this gateway's database. */
  apiKey(identity: string): string {
    const out = execFileSync(
      process.execPath,
      [
        path.join(GATEWAY, 'admin.js'),
        'keys',
        'create',
        '--identity',
        identity,
        '--name',
        `test-${identity}`,
        '--json',
      ],
      { env: this.environment(), encoding: 'utf8', timeout: 60_000 },
    );
    return (JSON.parse(out) as { key: string }).key;
  }

  async start(extra: Readonly<Record<string, string | undefined>> = {}): Promise<ChildProcess> {
    const log = openSync(path.join(this.dir, 'gateway.log'), 'a');
    const p = spawn(process.execPath, [path.join(GATEWAY, 'main.js')], {
      env: this.environment(extra),
      stdio: ['ignore', log, log],
    });
    this.child = p;
    await until('the test gateway to be ready', async () => {
      if (p.exitCode !== null) throw new Error(`the gateway exited; see ${this.dir}/gateway.log`);
      const ready = await fetch(`${this.url}/health/ready`).then(
        (r) => r.status === 200,
        () => false,
      );
      return ready ? true : undefined;
    });
    return p;
  }

  async stop(): Promise<void> {
    const p = this.child;
    if (!p || p.exitCode !== null || p.signalCode !== null) return;
    const exited = new Promise((r) => p.once('exit', r));
    p.kill('SIGTERM');
    await exited;
  }

  /** Calls this gateway with an API key (and `X-Purpose: e2e`). */
  async call<T = unknown>(
    apiKey: string,
    method: string,
    urlPath: string,
    body?: unknown,
    headers: Readonly<Record<string, string>> = {},
  ): Promise<{ status: number; headers: Headers; body: T }> {
    const res = await fetch(`${this.url}${urlPath}`, {
      method,
      headers: {
        'x-api-key': apiKey,
        'x-purpose': 'e2e',
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return {
      status: res.status,
      headers: res.headers,
      body: ((res.headers.get('content-type') ?? '').includes('json') && text ? JSON.parse(text) : text) as T,
    };
  }
}
