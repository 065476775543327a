import { type ChildProcess, execFile, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { assetBody, call } from '../support/api';
import { env, gatewayEnv, uniqueId } from '../support/fabric';

// Crash safety on the real network (docs/privacy.md, "Unknown outcomes"): a Manufacturer gateway of
// its own (own port and database, SQLite then PostgreSQL) is SIGKILLed between submit and commit —
// by the test-only fault hook WAYBILL_TEST_FAULT=kill-after-submit:<transaction>, which the gateway
// accepts only with NODE_ENV=test: the orderer has the transaction, the process dies before it
// hears the commit. After a restart: no lost record, no orphan commitment, no duplicate execution,
// checked on the ledger (through the stack's own Manufacturer gateway) and in the store.

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, '..', '..');
const GATEWAY = path.join(ROOT, 'gateway-api', 'dist');
const PORT = Number(env.basePort) + 1110;
const PG_PORT = Number(env.basePort) + 1111;
const PURPOSE = { 'x-purpose': 'crash-test' };

interface Db {
  query<T>(sql: string, params?: unknown[]): Promise<T[]>;
  close(): Promise<void>;
}
interface PdRef {
  ref: string;
  commitment: string | null;
  category: string;
}
interface AssetView {
  id: string;
  personalDataRefs: PdRef[];
}
interface StoreRecord {
  ref: string;
  commitment: string;
  unsettled_since: number | null;
  unsettled_tx_id: string | null;
}
interface KeyRow {
  state: string;
  tx_id: string | null;
  status_code: number | null;
}

/** Opens the gateway's database with the gateway's own code (SQLite file or PostgreSQL URL). */
async function openStore(url: string): Promise<Db> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { openDatabase } = require(path.join(GATEWAY, 'database', 'open-database.js')) as {
    openDatabase: (c: unknown) => Promise<Db>;
  };
  return openDatabase(
    url.startsWith('postgres') ? { kind: 'postgres', url, poolSize: 2 } : { kind: 'sqlite', path: url },
  );
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, ms = 90_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

describe.each(['sqlite', 'postgres'] as const)(
  'a gateway SIGKILLed between submit and commit (%s)',
  (dialect) => {
    let dir: string;
    let pgDir: string | undefined;
    let databaseUrl: string;
    let child: ChildProcess | undefined;
    let userKey: string;
      const url = `http://127.0.0.1:${PORT}`;

    const childEnv = (fault?: string): NodeJS.ProcessEnv => {
      const e: NodeJS.ProcessEnv = {
        ...gatewayEnv('manufacturer'),
        PORT: String(PORT),
        DATABASE_URL: databaseUrl,
        WAYBILL_EVENTS_ENABLED: 'false',
        WAYBILL_PD_SETTLE_INTERVAL_MS: '1000',
        NODE_ENV: 'test',
      };
      delete e.WAYBILL_TEST_FAULT;
      if (fault) e.WAYBILL_TEST_FAULT = fault;
      return e;
    };

    async function start(fault?: string): Promise<ChildProcess> {
      const log = openSync(path.join(dir, 'gateway.log'), 'a');
      const p = spawn(process.execPath, [path.join(GATEWAY, 'main.js')], {
        env: childEnv(fault),
        stdio: ['ignore', log, log],
      });
      child = p;
      await until('the crash-test gateway to be ready', async () => {
        if (p.exitCode !== null) throw new Error(`the gateway exited; see ${dir}/gateway.log`);
        const ready = await fetch(`${url}/health/ready`).then(
          (r) => r.status === 200,
          () => false,
        );
        return ready ? true : undefined;
      });
      return p;
    }

    /** Sends `request`, which the fault hook answers by killing the gateway: no answer, exit by SIGKILL. */
    async function killedBy(p: ChildProcess, request: Promise<Response>): Promise<void> {
      const exited = new Promise<NodeJS.Signals | null>((resolve) =>
        p.once('exit', (_code, signal) => resolve(signal)),
      );
      await expect(request).rejects.toThrow();
      expect(await exited).toBe('SIGKILL');
    }

    const post = (apiKey: string, urlPath: string, body: unknown, key?: string) =>
      fetch(`${url}${urlPath}`, {
        method: 'POST',
        headers: {
          'x-api-key': apiKey,
          'content-type': 'application/json',
          ...PURPOSE,
          ...(key ? { 'idempotency-key': key } : {}),
        },
        body: JSON.stringify(body),
      });

    /** The asset as the ledger holds it, read through the stack's own Manufacturer gateway. */
    async function onLedger(assetId: string): Promise<AssetView> {
      const r = await call<AssetView>('manufacturer', 'GET', `/v1/assets/${assetId}`, {
        as: 'manufacturer-user1',
      });
      expect(r.status).toBe(200);
      return r.body;
    }

    async function historyTxIds(assetId: string): Promise<string[]> {
      const r = await call<{ entries: { txId: string }[] }>(
        'manufacturer',
        'GET',
        `/v1/assets/${assetId}/history`,
        {
          as: 'manufacturer-user1',
        },
      );
      expect(r.status).toBe(200);
      return r.body.entries.map((e) => e.txId);
    }

    async function storeRows<T>(sql: string, params: unknown[]): Promise<T[]> {
      const db = await openStore(databaseUrl);
      try {
        return await db.query<T>(sql, params);
      } finally {
        await db.close();
      }
    }

    beforeAll(async () => {
      dir = mkdtempSync(path.join(os.tmpdir(), `waybill-crash-${dialect}-`));
      if (dialect === 'postgres') {
        const { stdout } = await run('bash', [path.join(ROOT, 'scripts', 'postgres.sh'), 'start'], {
          env: { ...process.env, WAYBILL_TEST_PG_PORT: String(PG_PORT) },
          timeout: 300_000,
        });
        const [pgPath, pgUrl] = stdout.trim().split(' ');
        if (!pgPath || !pgUrl) throw new Error(`postgres.sh start printed ${stdout}`);
        pgDir = pgPath;
        databaseUrl = pgUrl;
      } else {
        databaseUrl = path.join(dir, 'gateway.sqlite');
      }
      const key = (identity: string) =>
        (
          JSON.parse(
            execFileSync(
              process.execPath,
              [
                path.join(GATEWAY, 'admin.js'),
                'keys',
                'create',
                '--identity',
                identity,
                '--name',
                `crash-${identity}`,
                '--json',
              ],
              { env: childEnv(), encoding: 'utf8', timeout: 60_000 },
            ),
          ) as { key: string }
        ).key;
      userKey = key('manufacturer-user1');
      }, 360_000);

    afterAll(async () => {
      if (child && child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child?.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      if (pgDir) await run('bash', [path.join(ROOT, 'scripts', 'postgres.sh'), 'stop', pgDir]);
      rmSync(dir, { recursive: true, force: true });
    }, 60_000);

    it('settles an idempotent personal-data write by its commit status: one record, one commitment, one transaction', async () => {
      // The asset exists; the crashing write adds a phone number to it.
      const assetId = uniqueId(`crash-${dialect}`);
      const created = await call('manufacturer', 'POST', '/v1/assets', {
        as: 'manufacturer-user1',
        body: assetBody(assetId),
      });
      expect(created.status).toBe(201);

      let p = await start('kill-after-submit:upsertPersonalDataRef');
      const subject = await post(userKey, '/v1/personal-data/subjects', {});
      expect(subject.status).toBe(201);
      const { subjectId } = (await subject.json()) as { subjectId: string };
      const idempotencyKey = uniqueId('crash-key');
      const body = { assetId, subjectId, category: 'phone', value: '+39 347 555 0101' };
      await killedBy(p, post(userKey, '/v1/personal-data/records', body, idempotencyKey));

      // Killed between submit and commit: the record and the key both hold the transaction ID.
      const [pending] = await storeRows<StoreRecord>(
        'SELECT ref, commitment, unsettled_since, unsettled_tx_id FROM pd_records WHERE asset_id = $1',
        [assetId],
      );
      expect(pending?.unsettled_since).not.toBeNull();
      const txId = pending?.unsettled_tx_id ?? '';
      expect(txId).toMatch(/^[0-9a-f]{64}$/);
      const [key] = await storeRows<KeyRow>(
        'SELECT state, tx_id, status_code FROM idempotency_keys WHERE idempotency_key = $1',
        [idempotencyKey],
      );
      expect(key).toMatchObject({ state: 'in_progress', tx_id: txId });
      // The transaction reached the orderer and commits without the gateway.
      const status = await until('the transaction to commit', async () => {
        const r = await call<{ status: string }>('manufacturer', 'GET', `/v1/transactions/${txId}`, {
          as: 'manufacturer-user1',
        });
        return r.status === 200 && r.body.status === 'COMMITTED' ? r.body : undefined;
      });
      expect(status).toMatchObject({ status: 'COMMITTED', validationCode: 'VALID' });

      // Restarted: the client's retry is answered from the commit status (once the dead process's
      // heartbeat has lapsed it is no longer "in progress"), never executed again.
      p = await start();
      const retried = await until('the retry to be answered', async () => {
        const r = await post(userKey, '/v1/personal-data/records', body, idempotencyKey);
        return r.status === 409 ? undefined : r;
      });
      expect(retried.status).toBe(202);
      expect(retried.headers.get('x-transaction-id')).toBe(txId);
      expect(retried.headers.get('idempotent-replayed')).toBe('true');
      expect(await retried.json()).toEqual({
        txId,
        status: 'SUBMITTED',
        statusUrl: `/v1/transactions/${txId}`,
      });
      const again = await post(userKey, '/v1/personal-data/records', body, idempotencyKey);
      expect(again.status).toBe(202);
      expect(again.headers.get('x-transaction-id')).toBe(txId);

      // The settler keeps the record: its commitment is the ledger's.
      const settled = await until('the settler to settle the record', async () => {
        const rows = await storeRows<StoreRecord>(
          'SELECT ref, commitment, unsettled_since, unsettled_tx_id FROM pd_records WHERE asset_id = $1',
          [assetId],
        );
        return rows.length === 1 && rows[0]?.unsettled_since === null ? rows[0] : undefined;
      });
      const asset = await onLedger(assetId);
      expect(asset.personalDataRefs).toEqual([
        expect.objectContaining({ ref: settled.ref, commitment: settled.commitment, category: 'phone' }),
      ]);
      expect((await historyTxIds(assetId)).filter((t) => t === txId)).toHaveLength(1);
      expect(await historyTxIds(assetId)).toHaveLength(2); // createAsset + this one upsert, nothing more
      const read = await fetch(`${url}/v1/personal-data/records/${settled.ref}`, {
        headers: { 'x-api-key': userKey, ...PURPOSE },
      });
      expect(read.status).toBe(200);
      expect(await read.json()).toMatchObject({ value: '+393475550101', commitment: settled.commitment });
      p.kill('SIGTERM');
      await new Promise((r) => p.once('exit', r));
    }, 300_000);

    it('settles an idempotent asset creation with personal data killed before its commit', async () => {
      const assetId = uniqueId(`crash-asset-${dialect}`);
      let p = await start('kill-after-submit:createAsset');
      const subject = await post(userKey, '/v1/personal-data/subjects', {});
      const { subjectId } = (await subject.json()) as { subjectId: string };
      const idempotencyKey = uniqueId('crash-key');
      const body = assetBody(assetId, {
        personalData: [{ subjectId, category: 'name', value: 'Ottavia Crashtest' }],
      });
      await killedBy(p, post(userKey, '/v1/assets', body, idempotencyKey));
      const [pending] = await storeRows<StoreRecord>(
        'SELECT ref, commitment, unsettled_since, unsettled_tx_id FROM pd_records WHERE asset_id = $1',
        [assetId],
      );
      const txId = pending?.unsettled_tx_id ?? '';
      expect(txId).toMatch(/^[0-9a-f]{64}$/);

      p = await start();
      const retried = await until('the retry to be answered', async () => {
        const r = await post(userKey, '/v1/assets', body, idempotencyKey);
        return r.status === 409 ? undefined : r;
      });
      expect(retried.status).toBe(202);
      expect(retried.headers.get('x-transaction-id')).toBe(txId);

      const settled = await until('the settler to settle the record', async () => {
        const rows = await storeRows<StoreRecord>(
          'SELECT ref, commitment, unsettled_since, unsettled_tx_id FROM pd_records WHERE asset_id = $1',
          [assetId],
        );
        return rows.length === 1 && rows[0]?.unsettled_since === null ? rows[0] : undefined;
      });
      const asset = await onLedger(assetId);
      expect(asset.personalDataRefs).toEqual([
        expect.objectContaining({ ref: settled.ref, commitment: settled.commitment, category: 'name' }),
      ]);
      expect(await historyTxIds(assetId)).toEqual([txId]);
      const [key] = await storeRows<KeyRow>(
        'SELECT state, tx_id, status_code FROM idempotency_keys WHERE idempotency_key = $1',
        [idempotencyKey],
      );
      expect(key).toMatchObject({ state: 'done', status_code: 202 });
      p.kill('SIGTERM');
      await new Promise((r) => p.once('exit', r));
    }, 300_000);

    it('refuses the fault hook without NODE_ENV=test', () => {
      const e = { ...childEnv('kill-after-submit:createAsset'), NODE_ENV: 'production' };
      let stderr = '';
      try {
        execFileSync(process.execPath, [path.join(GATEWAY, 'main.js')], {
          env: e,
          encoding: 'utf8',
          timeout: 60_000,
        });
      } catch (err) {
        stderr =
          String((err as { stderr?: string }).stderr ?? '') +
          String((err as { stdout?: string }).stdout ?? '');
        expect((err as { status?: number }).status).toBe(78);
      }
      expect(stderr).toMatch(/WAYBILL_TEST_FAULT is a test-only fault hook: refused unless NODE_ENV=test/);
      expect(readFileSync(path.join(dir, 'gateway.log'), 'utf8')).not.toMatch(/\+39 ?347 ?555 ?0101|Ottavia/);
    });
  },
);
