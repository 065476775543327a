import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { assetBody } from '../support/api';
import { env, gatewayEnv, uniqueId } from '../support/fabric';
import {
  GATEWAY,
  GatewayProcess,
  startPostgres,
  storeExecute,
  stopPostgres,
  storeQuery,
  until,
} from '../support/gateway-process';

// Erasure that survives backups (docs/privacy.md, "Erasure and backups"), on the real network with
// a Manufacturer gateway of its own whose KEK rotates on schedule (every 15 s here): a database
// backup taken before an erasure holds the subject's data key wrapped under that epoch's KEK; after
// the erasure and the next rotation, the live KEK no longer opens it, and the access log no longer
// pairs the subject with its asset or references.

const run = promisify(execFile);
const PORT = Number(env.basePort) + 1112;
const PG_PORT = Number(env.basePort) + 1113;
const ROTATE_EVERY_MS = 15_000;
const VALUE = 'Quintilia Backupovna';

interface KeyRingLike {
  unwrap(wrapped: string, kekId: string, context: string): Buffer;
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { KeyRing } = require(path.join(GATEWAY, 'crypto', 'envelope-crypto.js')) as {
  KeyRing: new (current: Uint8Array, previous?: Uint8Array[]) => KeyRingLike & { currentId: string };
};

function pgBin(tool: string): string {
  const base = '/usr/lib/postgresql';
  const version = existsSync(base) ? readdirSync(base).sort().at(-1) : undefined;
  const bin = version ? path.join(base, version, 'bin', tool) : tool;
  return existsSync(bin) ? bin : tool;
}

function keyOf(file: string): Buffer[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => Buffer.from(l.trim(), 'base64'));
}

describe.each(['sqlite', 'postgres'] as const)('erasure that survives backups (%s)', (dialect) => {
  let dir: string;
  let pg: { dir: string; url: string } | undefined;
  let databaseUrl: string;
  let backupUrl: string;
  let kekFile: string;
  let gw: GatewayProcess;
  let user: string;
  let admin: string;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), `waybill-erasure-${dialect}-`));
    if (dialect === 'postgres') {
      pg = await startPostgres(PG_PORT);
      databaseUrl = pg.url;
      backupUrl = pg.url.replace(/\/postgres$/, '/backup');
    } else {
      databaseUrl = path.join(dir, 'gateway.sqlite');
      backupUrl = path.join(dir, 'backup.sqlite');
    }
    // The gateway's own KEK file: a scheduled rotation rewrites it.
    kekFile = path.join(dir, 'pd-kek.b64');
    copyFileSync(String(gatewayEnv('manufacturer').WAYBILL_PD_KEK_FILE), kekFile);
    gw = new GatewayProcess(dir, PORT, {
      DATABASE_URL: databaseUrl,
      WAYBILL_PD_KEK_FILE: kekFile,
      WAYBILL_PD_KEK_ROTATION_INTERVAL_MS: String(ROTATE_EVERY_MS),
      WAYBILL_EVENTS_ENABLED: 'false',
    });
    user = gw.apiKey('manufacturer-user1');
    admin = gw.apiKey('manufacturer-admin1');
    await gw.start();
  }, 360_000);

  afterAll(async () => {
    await gw.stop();
    if (pg) await stopPostgres(pg.dir);
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it('takes a backup, erases, rotates the KEK on schedule: the backup no longer opens and the access log pairs nothing', async () => {
    const subject = await gw.call<{ subjectId: string }>(user, 'POST', '/v1/personal-data/subjects', {});
    expect(subject.status).toBe(201);
    const { subjectId } = subject.body;
    const assetId = uniqueId(`erasure-${dialect}`);
    const created = await gw.call<{ result: { personalDataRefs: { ref: string }[] } }>(
      user,
      'POST',
      '/v1/assets',
      assetBody(assetId, { personalData: [{ subjectId, category: 'name', value: VALUE }] }),
    );
    expect(created.status).toBe(201);
    const ref = created.body.result.personalDataRefs[0]?.ref ?? '';
    expect(
      (await gw.call<{ value: string }>(user, 'GET', `/v1/personal-data/records/${ref}`)).body.value,
    ).toBe(VALUE);
    // While the subject lives, its export resolves the access log's pseudonyms.
    const exported = await gw.call<{
      accessLog: { subjectId: string; ref: string | null; assetId: string | null }[];
    }>(admin, 'GET', `/v1/personal-data/subjects/${subjectId}/export`);
    expect(exported.body.accessLog).toEqual(
      expect.arrayContaining([expect.objectContaining({ subjectId, ref, assetId })]),
    );

    // The backup, taken before the erasure, and the KEK that wraps the subject's key in it.
    if (dialect === 'postgres' && pg) {
      const dump = path.join(dir, 'backup.sql');
      const conn = ['-h', '127.0.0.1', '-p', String(PG_PORT), '-U', 'postgres'];
      await run(pgBin('pg_dump'), [...conn, '-d', 'postgres', '-f', dump]);
      await run(pgBin('psql'), [...conn, '-d', 'postgres', '-c', 'CREATE DATABASE backup']);
      await run(pgBin('psql'), [...conn, '-d', 'backup', '-q', '-v', 'ON_ERROR_STOP=1', '-f', dump]);
    } else {
      await storeExecute(databaseUrl, `VACUUM INTO '${backupUrl}'`);
    }
    const [inBackup] = await storeQuery<{ wrapped_key: string; kek_id: string }>(
      backupUrl,
      'SELECT wrapped_key, kek_id FROM pd_subjects WHERE subject_id = $1',
      [subjectId],
    );
    expect(inBackup).toBeDefined();
    const backupKekId = inBackup?.kek_id ?? '';
    // The KEK of that epoch (kept here only to show the test is not vacuous: it does open the backup).
    const epochKek = keyOf(kekFile).find((k) => new KeyRing(k).currentId === backupKekId);
    expect(epochKek).toBeDefined();
    expect(
      new KeyRing(epochKek as Buffer).unwrap(inBackup?.wrapped_key ?? '', backupKekId, subjectId),
    ).toHaveLength(32);

    // Erasure: its answer states until when backups taken before it still open.
    const erased = await gw.call<{
      recordsErased: number;
      backups: { readableUntil: string | null; detail: string };
    }>(admin, 'POST', `/v1/personal-data/subjects/${subjectId}/erase`);
    expect(erased.status).toBe(200);
    expect(erased.body.recordsErased).toBe(1);
    const bound = Date.parse(erased.body.backups.readableUntil ?? '');
    expect(bound).toBeGreaterThan(Date.now());
    expect(bound).toBeLessThanOrEqual(Date.now() + ROTATE_EVERY_MS + 5_000);
    expect(erased.body.backups.detail).toMatch(/rotation destroys that key/);

    // The scheduled rotation destroys the backup's KEK: the epoch is marked, the file holds a new key only.
    await until(
      'the rotation to destroy the backup’s KEK',
      async () => {
        const [epoch] = await storeQuery<{ destroyed_at: number | null }>(
          databaseUrl,
          'SELECT destroyed_at FROM pd_kek_epochs WHERE kek_id = $1',
          [backupKekId],
        );
        return epoch?.destroyed_at ? epoch : undefined;
      },
      ROTATE_EVERY_MS * 3,
    );
    expect(Date.now()).toBeLessThanOrEqual(bound + 10_000);
    const live = keyOf(kekFile);
    expect(live).toHaveLength(1);
    const liveRing = new KeyRing(live[0] as Buffer);
    expect(liveRing.currentId).not.toBe(backupKekId);
    expect(() => liveRing.unwrap(inBackup?.wrapped_key ?? '', backupKekId, subjectId)).toThrow(
      /not configured/,
    );
    // The gateway's own key check on the backup, with the live KEK, refuses it.
    const check = await run(process.execPath, [path.join(GATEWAY, 'admin.js'), 'pd', 'check-keys'], {
      env: gw.environment({ DATABASE_URL: backupUrl }),
    }).then(
      () => ({ code: 0, stderr: '' }),
      (err: { code?: number; stderr?: string }) => ({ code: err.code, stderr: err.stderr ?? '' }),
    );
    expect(check.code).toBe(1);
    expect(check.stderr).toContain(backupKekId);
    // The live store still works under the new KEK (every data key was rewrapped).
    const other = await gw.call<{ subjectId: string }>(user, 'POST', '/v1/personal-data/subjects', {});
    expect(other.status).toBe(201);

    // The access log, live and in the backup, no longer pairs the subject with its asset or ref.
    const log = await gw.call<{
      items: { subjectId: string | null; ref: string | null; assetId: string | null }[];
    }>(admin, 'GET', '/v1/personal-data/access-log?limit=1000');
    expect(log.status).toBe(200);
    expect(JSON.stringify(log.body)).not.toContain(subjectId);
    const withSubject = log.body.items.filter((e) => e.subjectId !== null);
    expect(withSubject.length).toBeGreaterThan(3);
    expect(withSubject.some((e) => e.ref === ref || e.assetId === assetId)).toBe(false);
    const backupLog = JSON.stringify(
      await storeQuery(
        backupUrl,
        'SELECT subject_id, ref, asset_id FROM pd_access_log WHERE subject_id IS NOT NULL',
      ),
    );
    for (const id of [subjectId, ref, assetId]) expect(backupLog).not.toContain(id);
    expect(readFileSync(path.join(dir, 'gateway.log'), 'utf8')).not.toContain(VALUE);
  }, 240_000);
});
