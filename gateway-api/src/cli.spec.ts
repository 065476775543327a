import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { writeTestProfile } from './testing/profile-files';
import { migrate } from './database/migrations';
import { SqliteDatabase } from './database/sqlite.database';
import { KeyRing, kekId, newDataKey } from './crypto/envelope-crypto';
import { PersonalDataRepository } from './personal-data/personal-data.repository';

const DIST = resolve(__dirname, '..', 'dist');
const run = promisify(execFile);
const KEK = Buffer.alloc(32, 9).toString('base64');
const KEK_REQUIRED =
  'WAYBILL_PD_KEK is required (or WAYBILL_PD_KEK_FILE): the 32-byte key-encryption key of personal data, in base64 ' +
  '(e.g. `openssl rand -base64 32`); the gateway never stores personal data unencrypted';

/** Runs a built entry point with only the given environment; never rejects. */
async function cli(script: string, args: string[], env: Record<string, string>) {
  try {
    const { stdout, stderr } = await run(process.execPath, [join(DIST, script), ...args], {
      env: { PATH: process.env.PATH ?? '', ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

// Every test starts a Node process (a cold start of the gateway takes seconds on a loaded machine).
jest.setTimeout(60_000);

beforeAll(() => {
  if (!existsSync(join(DIST, 'admin.js')))
    throw new Error('build first: tsc -b gateway-api (these tests run the real binaries)');
});

describe('admin CLI (dist/admin.js)', () => {
  const { dir, profilePath } = writeTestProfile([
    { id: 'manufacturer-user1', role: 'manufacturer' },
    { id: 'manufacturer-admin1', role: 'admin' },
  ]);
  const env = {
    WAYBILL_PROFILE: profilePath,
    DATABASE_URL: join(dir, 'gateway.sqlite'),
    WAYBILL_PD_KEK: KEK,
  };

  it('creates a key and prints it once as JSON, lists it without secrets, revokes it', async () => {
    const created = await cli(
      'admin.js',
      ['keys', 'create', '--identity', 'manufacturer-user1', '--name', 'erp', '--json'],
      env,
    );
    expect(created).toMatchObject({ code: 0, stderr: '' });
    const out = JSON.parse(created.stdout) as { key: string; created: boolean; apiKey: { keyId: string } };
    expect(out).toMatchObject({
      key: expect.stringMatching(/^wb_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/) as string,
      created: true,
      apiKey: { name: 'erp', identityId: 'manufacturer-user1', role: 'manufacturer', revokedAt: null },
    });

    const list = await cli('admin.js', ['keys', 'list'], env);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(
      new RegExp(
        `^KEY ID +NAME +IDENTITY +ROLE +CREATED +REVOKED\\n${out.apiKey.keyId} +erp +manufacturer-user1 +manufacturer +\\S+ +-\\n$`,
      ),
    );
    expect(list.stdout).not.toContain(out.key.slice(20));

    const revoked = await cli('admin.js', ['keys', 'revoke', out.apiKey.keyId, '--json'], env);
    expect(revoked.code).toBe(0);
    expect(JSON.parse(revoked.stdout)).toMatchObject({
      keyId: out.apiKey.keyId,
      revokedAt: expect.any(String) as string,
    });
  });

  it('registers a key the infra generated, idempotently, from flags or environment', async () => {
    const key = `wb_${'a1'.repeat(8)}_${'x'.repeat(43)}`;
    const first = await cli('admin.js', ['keys', 'create'], {
      ...env,
      WAYBILL_KEY_IDENTITY: 'manufacturer-admin1',
      WAYBILL_KEY_NAME: 'bootstrap',
      WAYBILL_API_KEY: key,
    });
    expect(first).toMatchObject({ code: 0, stdout: `${key}\n` });
    expect(first.stderr).toMatch(/^created key a1a1a1a1a1a1a1a1 for manufacturer-admin1 \(role admin\)/);
    const again = await cli(
      'admin.js',
      ['keys', 'create', '--identity', 'manufacturer-admin1', '--name', 'bootstrap', '--key', key],
      env,
    );
    expect(again).toMatchObject({ code: 0, stdout: `${key}\n` });
    expect(again.stderr).toMatch(/^already registered key a1a1a1a1a1a1a1a1/);
  });

  it('fails with exit 1 and the reason for an identity not in the profile', async () => {
    const r = await cli('admin.js', ['keys', 'create', '--identity', 'carrier-user1', '--name', 'x'], env);
    expect(r).toMatchObject({ code: 1, stdout: '' });
    expect(r.stderr).toBe(
      'waybill admin: IDENTITY_UNKNOWN: identity carrier-user1 is not in the connection profile (known: manufacturer-user1, manufacturer-admin1)\n',
    );
  });

  it('exits 2 with the usage for bad usage', async () => {
    for (const args of [
      [],
      ['keys', 'create', '--identity', 'manufacturer-user1'],
      ['keys', 'rotate'],
      ['keys', 'list', '--colour'],
    ]) {
      const r = await cli('admin.js', args, env);
      expect(r.code).toBe(2);
      expect(r.stdout + r.stderr).toContain('usage: node gateway-api/dist/admin.js <command> [options]');
    }
  });

  it('exits 78 listing every bad variable', async () => {
    const r = await cli('admin.js', ['keys', 'list'], {
      DATABASE_URL: 'mysql://x',
      WAYBILL_LOG_LEVEL: 'loud',
    });
    expect(r.code).toBe(78);
    expect(r.stderr).toBe(
      'waybill admin: invalid configuration:\n' +
        '  - DATABASE_URL must be postgres://…, sqlite:<path> or a file path\n' +
        '  - WAYBILL_LOG_LEVEL must be one of debug, info, warn, error (got "loud")\n' +
        `  - ${KEK_REQUIRED}\n` +
        '  - WAYBILL_PROFILE is required: the path of the connection profile\n',
    );
  });
});

describe('gateway (dist/main.js)', () => {
  it('refuses to start with a bad configuration: exit 78, every bad variable listed', async () => {
    const r = await cli('main.js', [], {
      PORT: '-1',
      WAYBILL_RATE_LIMIT_PER_SECOND: 'lots',
      WAYBILL_PROFILE: '/nonexistent/profile.json',
    });
    expect(r.code).toBe(78);
    expect(r.stderr).toBe(
      'waybill gateway: invalid configuration:\n' +
        '  - WAYBILL_PROFILE (/nonexistent/profile.json): the file cannot be read\n' +
        '  - PORT must be an integer between 0 and 65535 (got "-1")\n' +
        '  - WAYBILL_RATE_LIMIT_PER_SECOND must be an integer between 0 and 1000000 (got "lots")\n' +
        `  - ${KEK_REQUIRED}\n`,
    );
  });

  it('starts, reports not-ready while no peer answers, and drains and exits 0 on SIGTERM', async () => {
    const { dir, profilePath } = writeTestProfile();
    const child: ChildProcess = spawn(process.execPath, [join(DIST, 'main.js')], {
      env: {
        PATH: process.env.PATH ?? '',
        WAYBILL_PROFILE: profilePath,
        PORT: '0',
        DATABASE_URL: join(dir, 'g.sqlite'),
        WAYBILL_EVALUATE_TIMEOUT_MS: '500',
        WAYBILL_PD_KEK: KEK,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const lines: Record<string, unknown>[] = [];
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`not listening: ${JSON.stringify(lines)}`)), 15_000);
      createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
        const entry = JSON.parse(line) as Record<string, unknown>;
        lines.push(entry);
        if (entry.msg === 'listening') {
          clearTimeout(timer);
          resolve(String(entry.url));
        }
      });
    });
    try {
      expect((await fetch(`${url}/health/live`)).status).toBe(200);
      const ready = await fetch(`${url}/health/ready`);
      expect(ready.status).toBe(503);
      expect(await ready.json()).toEqual({
        status: 'fail',
        checks: { ledger: 'fail', database: 'pass', shuttingDown: false },
      });
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
    expect(lines).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          msg: 'listening',
          service: 'waybill-gateway',
          org: 'ManufacturerMSP',
          database: 'sqlite',
          ledger: 'fabric-gateway',
        }),
        expect.objectContaining({ msg: 'shutting down: draining in-flight requests', signal: 'SIGTERM' }),
        expect.objectContaining({ msg: 'stopped', signal: 'SIGTERM' }),
      ]),
    );
  }, 30_000);
});

describe('personal-data keys at start (dist/main.js, dist/admin.js)', () => {
  const OLD = Buffer.alloc(32, 1);
  const NEW = Buffer.alloc(32, 2);
  const { dir, profilePath } = writeTestProfile([{ id: 'manufacturer-admin1', role: 'admin' }]);
  const database = join(dir, 'pd.sqlite');
  const env = (kek: Buffer, previous?: Buffer) => ({
    WAYBILL_PROFILE: profilePath,
    DATABASE_URL: database,
    PORT: '0',
    WAYBILL_PD_KEK: kek.toString('base64'),
    ...(previous ? { WAYBILL_PD_PREVIOUS_KEKS: previous.toString('base64') } : {}),
  });

  beforeAll(async () => {
    const db = new SqliteDatabase(database);
    await migrate(db);
    const subjectId = '11111111-1111-4111-8111-111111111111';
    const { wrapped, kekId: id } = new KeyRing(OLD).wrap(newDataKey(), subjectId);
    await new PersonalDataRepository(db).insertSubject({
      subjectId,
      wrappedKey: wrapped,
      kekId: id,
      createdAt: 1,
    });
    await db.close();
  });

  it('refuses to start on a key that does not open the stored data keys, with a clear message', async () => {
    const r = await cli('main.js', [], env(NEW));
    expect(r).toMatchObject({
      code: 1,
      stdout: '',
      stderr:
        `waybill gateway: failed to start: personal-data store holds data keys wrapped by key-encryption key ${kekId(OLD)}, ` +
        `which is neither WAYBILL_PD_KEK (id ${kekId(NEW)}) nor in WAYBILL_PD_PREVIOUS_KEKS: configure that key\n`,
    });
    expect(r.stderr).not.toContain(NEW.toString('base64'));
  }, 60_000);

  it('rotates: rewraps under the new KEK with the old one as previous, after which the old one is not needed', async () => {
    expect(await cli('admin.js', ['pd', 'rewrap'], env(NEW))).toMatchObject({ code: 1 });
    expect(await cli('admin.js', ['pd', 'rewrap', '--json'], env(NEW, OLD))).toEqual({
      code: 0,
      stdout: `${JSON.stringify({ rewrapped: 1, kekId: kekId(NEW), webhookSecrets: 0 })}\n`,
      stderr: '',
    });
    expect(await cli('admin.js', ['pd', 'check-keys'], env(NEW))).toEqual({
      code: 0,
      stdout: `personal-data keys open with KEK ${kekId(NEW)}\n`,
      stderr: '',
    });
    expect((await cli('admin.js', ['pd', 'check-keys'], env(OLD))).code).toBe(1);
  }, 60_000);
});
