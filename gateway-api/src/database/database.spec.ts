import { testDatabases } from '../testing/databases';
import type { Database } from './database';
import { migrate, MIGRATIONS } from './migrations';

describe.each(testDatabases())('%s database', (_name, open) => {
  let db: Database;
  beforeEach(async () => {
    db = await open();
  });
  afterEach(async () => {
    await db.close();
  });

  it('applies every migration once and records it', async () => {
    expect(await migrate(db)).toEqual(MIGRATIONS.map((m) => m.version));
    expect(await migrate(db)).toEqual([]);
    const rows = await db.query<{ version: number; name: string }>(
      'SELECT version, name FROM schema_migrations ORDER BY version',
    );
    expect(rows.map((r) => ({ version: Number(r.version), name: r.name }))).toEqual(
      MIGRATIONS.map(({ version, name }) => ({ version, name })),
    );
  });

  it('runs the same $n-placeholder SQL, returns numbers for BIGINT, counts changes', async () => {
    await migrate(db);
    const at = 1_763_000_000_123;
    expect(
      await db.execute(
        'INSERT INTO submitted_transactions (tx_id, client_id, transaction_name, submitted_at) VALUES ($1, $2, $3, $4) ON CONFLICT (tx_id) DO NOTHING',
        ['t1', 'k1', 'createAsset', at],
      ),
    ).toBe(1);
    expect(
      await db.execute(
        'INSERT INTO submitted_transactions (tx_id, client_id, transaction_name, submitted_at) VALUES ($1, $2, $3, $4) ON CONFLICT (tx_id) DO NOTHING',
        ['t1', 'k1', 'createAsset', at],
      ),
    ).toBe(0);
    const rows = await db.query('SELECT tx_id, submitted_at FROM submitted_transactions WHERE tx_id = $1', [
      't1',
    ]);
    expect(rows.map((r) => ({ ...r }))).toEqual([{ tx_id: 't1', submitted_at: at }]);
  });

  it('commits a transaction, and rolls it back when the work fails', async () => {
    await migrate(db);
    const insert =
      'INSERT INTO submitted_transactions (tx_id, client_id, transaction_name, submitted_at) VALUES ($1, $2, $3, $4)';
    await db.transaction(async (tx) => {
      await tx.execute(insert, ['kept', 'k', 'x', 1]);
    });
    await expect(
      db.transaction(async (tx) => {
        await tx.execute(insert, ['lost', 'k', 'x', 1]);
        throw new Error('abort');
      }),
    ).rejects.toThrow('abort');
    const ids = (
      await db.query<{ tx_id: string }>('SELECT tx_id FROM submitted_transactions ORDER BY tx_id')
    ).map((r) => r.tx_id);
    expect(ids).toEqual(['kept']);
  });

  it('refuses to run against a schema newer than the code', async () => {
    await migrate(db);
    await db.execute('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [
      999,
      'from the future',
      0,
    ]);
    await expect(migrate(db)).rejects.toThrow(
      'the database has schema version(s) 999 unknown to this gateway: it is newer than the code',
    );
  });

  it('applies dialect-specific statements for its own dialect only', async () => {
    await migrate(db, [
      ...MIGRATIONS,
      {
        version: 1000,
        name: 'blob column',
        up: { sqlite: ['CREATE TABLE blobs (b BLOB)'], postgres: ['CREATE TABLE blobs (b BYTEA)'] },
      },
    ]);
    await db.execute('INSERT INTO blobs (b) VALUES ($1)', [new Uint8Array([1, 2, 3])]);
    const [row] = await db.query<{ b: Uint8Array }>('SELECT b FROM blobs');
    expect(Buffer.from(row?.b ?? [])).toEqual(Buffer.from([1, 2, 3]));
  });
});
