import { createHash } from 'node:crypto';
import type { AuthenticatedClient } from '../common/client';
import { DEFAULT_READ_ROLES, DEFAULT_RETENTION_MS } from '../config/config';
import type { Database } from '../database/database';
import { migrate } from '../database/migrations';
import { announceSubmission } from '../common/submissions';
import { ChaincodeError, LedgerTimeoutError, LedgerUnavailableError } from '../ledger/ledger.errors';
import { testDatabases } from '../testing/databases';
import { AccessLogRepository } from './access-log.repository';
import { commitment } from './commitment';
import { KeyRing, kekId } from '../crypto/envelope-crypto';
import { checkPersonalDataKeys } from '../key-check';
import { rewrapDataKeys } from './key-rotation';
import type { LedgerRef, PersonalDataLedger } from './personal-data.ledger';
import { PersonalDataRepository } from './personal-data.repository';
import { PersonalDataService, type PersonalDataPolicy } from './personal-data.service';

const KEK_A = Buffer.alloc(32, 0xa1);
const KEK_B = Buffer.alloc(32, 0xb2);
const DAY = 86_400_000;

const client = (role: AuthenticatedClient['role'], identityId = `${role}-1`): AuthenticatedClient => ({
  keyId: `key-${role}`,
  name: role,
  identityId,
  role,
  mspId: 'CarrierMSP',
});
const carrier = client('carrier');
const admin = client('admin');
const auditor = client('auditor');

/** The ledger's personalDataRefs, in memory; `failNext` makes the next write fail as given. */
class FakePdLedger implements PersonalDataLedger {
  readonly refs = new Map<string, LedgerRef & { assetId: string }>();
  readonly calls: string[] = [];
  failNext: Error | undefined;
  /** The next write commits (valid) but its caller hears a commit-status timeout. */
  loseCommitNext = false;
  readonly statuses = new Map<string, { committed: true; successful: boolean }>();
  #tx = 0;

  async upsertRef(
    _c: AuthenticatedClient,
    assetId: string,
    r: { ref: string; commitment: string; category: string },
  ) {
    this.#fail();
    const txId = `tx${++this.#tx}`;
    await announceSubmission(txId);
    this.statuses.set(txId, { committed: true, successful: true });
    this.calls.push(`upsert ${assetId} ${r.ref}`);
    const existing = this.refs.get(r.ref);
    if (existing?.erasedAt) throw new ChaincodeError('CONFLICT', 'erased');
    this.refs.set(r.ref, {
      assetId,
      ref: r.ref,
      commitment: r.commitment,
      category: r.category,
      controllerOrg: 'CarrierMSP',
      erasedAt: null,
    });
    if (this.loseCommitNext) {
      this.loseCommitNext = false;
      throw new LedgerTimeoutError({ stage: 'commitStatus', txId, message: 'commit status deadline' });
    }
    return { txId, blockNumber: this.#tx };
  }

  transactionStatus(_c: AuthenticatedClient, txId: string) {
    return Promise.resolve(this.statuses.get(txId) ?? { committed: false as const });
  }

  eraseRef(_c: AuthenticatedClient, assetId: string, ref: string) {
    this.#fail();
    this.calls.push(`erase ${assetId} ${ref}`);
    const existing = this.refs.get(ref);
    if (!existing) throw new ChaincodeError('PERSONAL_DATA_REF_NOT_FOUND', 'no such ref');
    if (existing.erasedAt) throw new ChaincodeError('CONFLICT', 'already erased');
    this.refs.set(ref, { ...existing, commitment: null, erasedAt: '2026-01-01T00:00:00.000Z' });
    return Promise.resolve({ txId: `tx${++this.#tx}`, blockNumber: this.#tx });
  }

  findRef(_c: AuthenticatedClient, assetId: string, ref: string) {
    const r = this.refs.get(ref);
    return Promise.resolve(r && r.assetId === assetId ? r : undefined);
  }

  #fail(): void {
    const err = this.failNext;
    this.failNext = undefined;
    if (err) throw err;
  }
}

describe.each(testDatabases())('personal data on %s', (_name, openDb) => {
  let db: Database;
  let ledger: FakePdLedger;
  let now: number;
  let policy: PersonalDataPolicy;
  const service = (ring = new KeyRing(KEK_A)) =>
    new PersonalDataService(
      new PersonalDataRepository(db),
      new AccessLogRepository(db),
      ring,
      ledger,
      policy,
      () => now,
    );

  beforeEach(async () => {
    db = await openDb();
    await migrate(db);
    ledger = new FakePdLedger();
    now = Date.parse('2026-03-01T10:00:00Z');
    policy = { readRoles: DEFAULT_READ_ROLES, retentionMs: DEFAULT_RETENTION_MS };
  });
  afterEach(async () => {
    await db.close();
  });

  /** Every text cell of every personal-data table, to search for plaintext at rest. */
  async function storedText(): Promise<string> {
    const tables = ['pd_subjects', 'pd_records', 'pd_ledger_erasures', 'pd_access_log', 'idempotency_keys'];
    const rows = await Promise.all(tables.map((t) => db.query(`SELECT * FROM ${t}`)));
    return JSON.stringify(rows);
  }
  const sha = (v: string) => [
    createHash('sha256').update(v).digest('hex'),
    createHash('sha256').update(v).digest('base64'),
  ];

  it('stores values sealed, puts only ref and salted commitment on the ledger, and reads them back (logged)', async () => {
    const pd = service();
    const { subjectId } = await pd.createSubject(carrier, 'delivery');
    const written = await pd.addRecord(
      carrier,
      'LOT-1',
      { subjectId, category: 'phone', value: '+39 333 123 4567' },
      'delivery',
    );
    expect(written).toMatchObject({
      txId: 'tx1',
      blockNumber: 1,
      record: { subjectId, assetId: 'LOT-1', category: 'phone', version: 1 },
    });
    expect(written.record.ref).toMatch(/^[0-9a-f]{32}$/);
    expect(written.record.expiresAt).toBe(new Date(now + DEFAULT_RETENTION_MS.phone).toISOString());
    expect(ledger.refs.get(written.record.ref)).toMatchObject({
      commitment: written.record.commitment,
      category: 'phone',
    });

    const read = await pd.read(carrier, written.record.ref, 'delivery');
    expect(read).toMatchObject({ value: '+393331234567', commitment: written.record.commitment });
    // An ordinary read never hands out the salt: only the subject's export does.
    expect(read).not.toHaveProperty('salt');
    const [exported] = (await pd.export(admin, subjectId, 'dsr')).records;
    const salt = exported?.salt ?? '';
    expect(commitment(read.ref, 'phone', read.value, salt)).toBe(written.record.commitment);

    const stored = await storedText();
    for (const needle of ['+393331234567', '3331234567', salt, ...sha('+393331234567')]) {
      expect(stored).not.toContain(needle);
    }
    const log = await pd.accessLog(0, 100);
    expect(log.map((e) => [e.action, e.outcome, e.purpose, e.actorIdentity])).toEqual([
      ['create', 'ok', 'delivery', 'carrier-1'],
      ['create', 'ok', 'delivery', 'carrier-1'],
      ['read', 'ok', 'delivery', 'carrier-1'],
      ['export', 'ok', 'dsr', 'admin-1'],
    ]);
    // Subject, reference and asset are pseudonymised under the subject's key, never in clear.
    expect(JSON.stringify(log)).not.toContain(subjectId);
    expect(JSON.stringify(log)).not.toContain(written.record.ref);
    expect(JSON.stringify(log)).not.toContain('LOT-1');
    expect(log.every((e) => e.subjectId?.startsWith('ps_'))).toBe(true);
  });

  it('refuses roles not configured for a category, and logs the refusal', async () => {
    const pd = service();
    const { subjectId } = await pd.createSubject(admin, 'onboarding');
    await expect(
      pd.addRecord(carrier, 'LOT-1', { subjectId, category: 'national-id', value: 'AB1234567' }, 'customs'),
    ).rejects.toMatchObject({ code: 'CATEGORY_FORBIDDEN' });
    const { record } = await pd.addRecord(
      admin,
      'LOT-1',
      { subjectId, category: 'national-id', value: 'AB1234567' },
      'customs',
    );
    await expect(pd.read(carrier, record.ref, 'curious')).rejects.toMatchObject({
      code: 'CATEGORY_FORBIDDEN',
      message: 'role carrier may not access personal data of category national-id',
    });
    await expect(pd.read(auditor, record.ref, 'audit')).rejects.toMatchObject({ code: 'CATEGORY_FORBIDDEN' });
    const denied = (await pd.export(admin, subjectId, 'check')).accessLog.filter(
      (e) => e.outcome === 'denied',
    );
    expect(denied.map((e) => [e.action, e.actorRole, e.ref])).toEqual([
      ['create', 'carrier', null],
      ['read', 'carrier', record.ref],
      ['read', 'auditor', record.ref],
    ]);
  });

  it('refuses malformed values and unknown subjects without writing anything', async () => {
    const pd = service();
    const { subjectId } = await pd.createSubject(carrier, 'delivery');
    await expect(
      pd.addRecord(carrier, 'LOT-1', { subjectId, category: 'email', value: 'maria at example' }, 'delivery'),
    ).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
      extensions: { errors: [{ field: 'value', message: 'not an e-mail address (local@domain.tld)' }] },
    });
    await expect(
      pd.addRecord(carrier, 'LOT-1', { subjectId, category: 'notes', value: 'x'.repeat(2001) }, 'delivery'),
    ).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    await expect(
      pd.addRecord(
        carrier,
        'LOT-1',
        { subjectId: '00000000-0000-4000-8000-000000000000', category: 'name', value: 'Maria' },
        'delivery',
      ),
    ).rejects.toMatchObject({ code: 'PERSONAL_DATA_NOT_FOUND' });
    expect(await db.query('SELECT ref FROM pd_records')).toEqual([]);
    expect(ledger.calls).toEqual([]);
  });

  it('discards the record when the ledger write fails', async () => {
    const pd = service();
    const { subjectId } = await pd.createSubject(carrier, 'delivery');
    ledger.failNext = new ChaincodeError('FORBIDDEN', 'not a holder');
    await expect(
      pd.addRecord(carrier, 'LOT-1', { subjectId, category: 'name', value: 'Maria Rossi' }, 'delivery'),
    ).rejects.toBeInstanceOf(ChaincodeError);
    expect(await db.query('SELECT ref FROM pd_records')).toEqual([]);
    expect((await pd.accessLog(0, 100)).map((e) => `${e.action}:${e.outcome}`)).toEqual([
      'create:ok',
      'create:ok',
      'create:failed',
    ]);
  });

  it('rectifies: new salt and commitment on the ledger, the old value gone', async () => {
    const pd = service();
    const { subjectId } = await pd.createSubject(carrier, 'delivery');
    const { record } = await pd.addRecord(
      carrier,
      'LOT-1',
      { subjectId, category: 'postal-address', value: 'Via Roma 1, Roma' },
      'delivery',
    );
    now += 1000;
    const rectified = await pd.rectify(carrier, record.ref, 'Via Milano 2, Roma', 'customer request');
    expect(rectified.record).toMatchObject({
      ref: record.ref,
      version: 2,
      updatedAt: new Date(now).toISOString(),
    });
    expect(rectified.record.commitment).not.toBe(record.commitment);
    expect(ledger.refs.get(record.ref)?.commitment).toBe(rectified.record.commitment);
    const read = await pd.read(carrier, record.ref, 'delivery');
    expect(read).toMatchObject({ value: 'Via Milano 2, Roma', version: 2 });
    expect(await storedText()).not.toContain('Via Roma');
    // A ledger failure leaves the stored record as it was.
    ledger.failNext = new LedgerUnavailableError('down');
    await expect(
      pd.rectify(carrier, record.ref, 'Via Napoli 3, Roma', 'customer request'),
    ).rejects.toBeInstanceOf(LedgerUnavailableError);
    expect((await pd.read(carrier, record.ref, 'delivery')).value).toBe('Via Milano 2, Roma');
  });

  it('refuses a second rectification of the same record while one is in flight, before it reaches the ledger', async () => {
    const pd = service();
    const { subjectId } = await pd.createSubject(carrier, 'delivery');
    const { record } = await pd.addRecord(
      carrier,
      'LOT-1',
      { subjectId, category: 'phone', value: '+39 333 000 0001' },
      'delivery',
    );
    // The first rectification is staged and waiting for its commit when the second arrives.
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    const upsert = ledger.upsertRef.bind(ledger);
    ledger.upsertRef = async (...args) => {
      await gate;
      return upsert(...args);
    };
    const first = pd.rectify(carrier, record.ref, '+39 333 000 0002', 'customer request');
    await new Promise((r) => setImmediate(r));
    await expect(
      pd.rectify(carrier, record.ref, '+39 333 000 0003', 'customer request'),
    ).rejects.toMatchObject({
      code: 'PERSONAL_DATA_CONFLICT',
    });
    release();
    const done = await first;
    expect(ledger.refs.get(record.ref)?.commitment).toBe(done.record.commitment);
    expect(await pd.read(carrier, record.ref, 'delivery')).toMatchObject({
      value: '+393330000002',
      version: 2,
    });
    expect(ledger.calls.filter((c) => c.startsWith('upsert'))).toHaveLength(2); // create + one rectification
  });

  it('completes a rectification abandoned after its ledger commit, by its own transaction, never another', async () => {
    const pd = service();
    const repo = new PersonalDataRepository(db);
    const { subjectId } = await pd.createSubject(carrier, 'delivery');
    const { record } = await pd.addRecord(
      carrier,
      'LOT-1',
      { subjectId, category: 'name', value: 'Maria Rossi' },
      'delivery',
    );
    // A rectification whose commit-status wait timed out: the ledger took it, the request failed.
    ledger.loseCommitNext = true;
    await expect(pd.rectify(carrier, record.ref, 'Maria Bianchi', 'customer request')).rejects.toBeInstanceOf(
      LedgerTimeoutError,
    );
    const staged = await repo.staged(record.ref);
    expect(staged).toMatchObject({ txId: 'tx2', owner: 'abandoned' });
    expect(await repo.record(record.ref)).toMatchObject({ version: 1 });
    // The settler finds its transaction committed and promotes exactly its staging.
    expect(await pd.settleUnfinished(admin)).toMatchObject({ promoted: 1, waiting: 0 });
    expect(await repo.record(record.ref)).toMatchObject({ version: 2, commitment: staged?.commitment });
    expect(ledger.refs.get(record.ref)?.commitment).toBe(staged?.commitment);
    expect((await pd.export(admin, subjectId, 'check')).records[0]?.value).toBe('Maria Bianchi');
    // A staging of another rectification is never promoted by a stale one's commitment.
    expect(await repo.promoteRectification(record.ref, 2, 'e'.repeat(64), now)).toBe(false);
    const ok = await pd.rectify(carrier, record.ref, 'Maria Verdi', 'customer request');
    expect(ok.record.version).toBe(3);
    expect(ledger.refs.get(record.ref)?.commitment).toBe(ok.record.commitment);
  });

  it('keeps a record whose ledger write has an unknown outcome until the settler knows it', async () => {
    const pd = service();
    const repo = new PersonalDataRepository(db);
    const { subjectId } = await pd.createSubject(carrier, 'delivery');
    ledger.loseCommitNext = true;
    await expect(
      pd.addRecord(carrier, 'LOT-1', { subjectId, category: 'phone', value: '+39 333 000 0001' }, 'delivery'),
    ).rejects.toBeInstanceOf(LedgerTimeoutError);
    // Not deleted (the transaction may commit): unsettled, with its transaction ID.
    const [unsettled] = await repo.unsettledRecords(10);
    expect(unsettled).toMatchObject({ txId: 'tx1', owner: 'abandoned', assetId: 'LOT-1' });
    expect(ledger.refs.has(unsettled?.ref ?? '')).toBe(true);
    expect(await pd.settleUnfinished(admin)).toMatchObject({ settled: 1, discarded: 0 });
    expect(await repo.unsettledRecords(10)).toEqual([]);
    expect((await pd.read(carrier, unsettled?.ref ?? '', 'delivery')).value).toBe('+393330000001');

    // One whose transaction committed invalid is removed, and its creation logged as failed.
    const prepared = await pd.prepare(
      carrier,
      'LOT-2',
      [{ subjectId, category: 'name', value: 'Ada' }],
      'delivery',
    );
    const ref = prepared.refs[0]?.ref ?? '';
    await expect(
      prepared.write(
        async () => {
          await announceSubmission('tx-invalid');
          ledger.statuses.set('tx-invalid', { committed: true, successful: false });
          throw new LedgerUnavailableError({ stage: 'commitStatus', message: 'connection lost' });
        },
        () => true,
      ),
    ).rejects.toBeInstanceOf(LedgerUnavailableError);
    expect(await repo.record(ref)).toBeDefined();
    expect(await pd.settleUnfinished(admin)).toMatchObject({ discarded: 1 });
    expect(await repo.record(ref)).toBeUndefined();
    // Its entries stay pseudonymised (the record is gone, so the export cannot name it).
    const about = (await pd.export(admin, subjectId, 'check')).accessLog.filter((e) => e.category === 'name');
    expect(about.every((e) => e.ref !== ref && e.ref?.startsWith('ps_'))).toBe(true);
    expect(about.map((e) => e.outcome)).toEqual(['ok', 'failed']);
  });

  it('exports everything about a subject, verifiably, with its access log', async () => {
    const pd = service();
    const { subjectId } = await pd.createSubject(admin, 'onboarding');
    const other = await pd.createSubject(admin, 'onboarding');
    await pd.addRecord(admin, 'LOT-1', { subjectId, category: 'name', value: 'Maria Rossi' }, 'onboarding');
    now += 1;
    await pd.addRecord(
      admin,
      'LOT-2',
      { subjectId, category: 'email', value: 'maria@example.org' },
      'onboarding',
    );
    await pd.addRecord(
      admin,
      'LOT-1',
      { subjectId: other.subjectId, category: 'name', value: 'Luca Bianchi' },
      'onboarding',
    );
    const exported = await pd.export(admin, subjectId, 'art-15 request');
    expect(exported.records.map((r) => [r.assetId, r.category, r.value])).toEqual([
      ['LOT-1', 'name', 'Maria Rossi'],
      ['LOT-2', 'email', 'maria@example.org'],
    ]);
    for (const r of exported.records) {
      expect(
        await pd.verify(auditor, {
          assetId: r.assetId,
          ref: r.ref,
          category: r.category,
          value: r.value,
          salt: r.salt,
        }),
      ).toEqual({
        assetId: r.assetId,
        ref: r.ref,
        status: 'match',
        matches: true,
      });
    }
    expect(exported.accessLog.map((e) => e.action)).toEqual(['create', 'create', 'create', 'export']);
    expect(JSON.stringify(exported)).not.toContain('Luca');
  });

  it('verifies: a wrong value or salt is a mismatch, an unknown ref is 404', async () => {
    const pd = service();
    const { subjectId } = await pd.createSubject(carrier, 'delivery');
    const { record } = await pd.addRecord(
      carrier,
      'LOT-1',
      { subjectId, category: 'name', value: 'Maria Rossi' },
      'delivery',
    );
    const salt = (await pd.export(admin, subjectId, 'dsr')).records[0]?.salt ?? '';
    const input = {
      assetId: 'LOT-1',
      ref: record.ref,
      category: 'name' as const,
      value: 'Maria Rossi',
      salt,
    };
    expect((await pd.verify(auditor, { ...input, value: 'Maria Russo' })).status).toBe('mismatch');
    expect((await pd.verify(auditor, { ...input, salt: '00'.repeat(32) })).status).toBe('mismatch');
    expect((await pd.verify(auditor, { ...input, category: 'notes' })).status).toBe('mismatch');
    await expect(pd.verify(auditor, { ...input, assetId: 'LOT-2' })).rejects.toMatchObject({
      code: 'PERSONAL_DATA_REF_NOT_FOUND',
    });
  });

  it('erases a subject: key, records and salts gone, reads 404, refs erased on the ledger, audited without values', async () => {
    const pd = service();
    const { subjectId } = await pd.createSubject(admin, 'onboarding');
    const a = await pd.addRecord(
      admin,
      'LOT-1',
      { subjectId, category: 'name', value: 'Maria Rossi' },
      'onboarding',
    );
    now += 1;
    const b = await pd.addRecord(
      admin,
      'LOT-2',
      { subjectId, category: 'phone', value: '+393331234567' },
      'onboarding',
    );
    const salt = (await pd.export(admin, subjectId, 'check')).records[0]?.salt ?? '';
    const logBefore = (await pd.export(admin, subjectId, 'check')).accessLog;
    expect(logBefore.filter((e) => e.action === 'create').map((e) => [e.ref, e.assetId])).toEqual([
      [null, null],
      [a.record.ref, 'LOT-1'],
      [b.record.ref, 'LOT-2'],
    ]);

    const report = await pd.eraseSubject(admin, subjectId, 'art-17 request');
    expect(report).toMatchObject({ subjectId, recordsErased: 2 });
    expect(report.ledger.map((l) => [l.ref, l.status])).toEqual([
      [a.record.ref, 'erased'],
      [b.record.ref, 'erased'],
    ]);
    await expect(pd.read(admin, a.record.ref, 'check')).rejects.toMatchObject({
      code: 'PERSONAL_DATA_NOT_FOUND',
    });
    await expect(pd.export(admin, subjectId, 'check')).rejects.toMatchObject({
      code: 'PERSONAL_DATA_NOT_FOUND',
    });
    await expect(pd.eraseSubject(admin, subjectId, 'again')).rejects.toMatchObject({
      code: 'PERSONAL_DATA_NOT_FOUND',
    });
    expect(await db.query('SELECT subject_id FROM pd_subjects')).toEqual([]);
    expect(await db.query('SELECT ref FROM pd_records')).toEqual([]);
    expect(ledger.refs.get(a.record.ref)).toMatchObject({ commitment: null });
    // The old commitment can no longer be opened: the salt was only in the sealed record.
    expect(
      await pd.verify(auditor, {
        assetId: 'LOT-1',
        ref: a.record.ref,
        category: 'name',
        value: 'Maria Rossi',
        salt,
      }),
    ).toMatchObject({ status: 'erased' });
    const stored = await storedText();
    for (const needle of ['Maria', '+393331234567', salt, ...sha('Maria Rossi')])
      expect(stored).not.toContain(needle);
    expect(report.backups).toEqual({
      readableUntil: null,
      detail: expect.stringMatching(/no scheduled/) as unknown,
    });
    // The access log no longer ties the subject to its records or their assets: the pseudonym key
    // died with the data key. The ledger erasures name ref and asset (both public), no subject.
    const log = await pd.accessLog(0, 100);
    const text = JSON.stringify(log);
    for (const id of [subjectId, a.record.ref, b.record.ref])
      expect(
        log
          .filter((e) => e.action !== 'ledger-erase')
          .map((e) => JSON.stringify(e))
          .join(),
      ).not.toContain(id);
    expect(text).not.toContain(subjectId);
    expect(log.filter((e) => e.action === 'erase')).toHaveLength(3);
    expect(log.filter((e) => e.action === 'ledger-erase').map((e) => [e.subjectId, e.ref])).toEqual([
      [null, a.record.ref],
      [null, b.record.ref],
    ]);
  });

  it('erases a subject whose record is still unsettled, and erases its ref on the ledger if it commits late', async () => {
    const pd = service();
    const { subjectId } = await pd.createSubject(admin, 'onboarding');
    const prepared = await pd.prepare(admin, 'LOT-9', [{ subjectId, category: 'name', value: 'Ada' }], 'x');
    const ref = prepared.refs[0];
    await expect(
      prepared.write(
        async () => {
          await announceSubmission('tx-late');
          throw new LedgerUnavailableError({ stage: 'commitStatus', message: 'connection lost' });
        },
        () => true,
      ),
    ).rejects.toBeInstanceOf(LedgerUnavailableError);
    // Not on the ledger yet: the erasure keeps it pending instead of calling it "not on the ledger".
    const report = await pd.eraseSubject(admin, subjectId, 'art-17 request');
    expect(report.ledger).toEqual([{ ref: ref?.ref, assetId: 'LOT-9', status: 'pending', txId: null }]);
    // The write commits late; the next retention run erases the ref on the ledger.
    ledger.refs.set(ref?.ref ?? '', {
      assetId: 'LOT-9',
      ref: ref?.ref ?? '',
      commitment: ref?.commitment ?? '',
      category: 'name',
      controllerOrg: 'CarrierMSP',
      erasedAt: null,
    });
    const run = await pd.runRetention(admin);
    expect(run.ledger.map((l) => [l.ref, l.status])).toEqual([[ref?.ref, 'erased']]);
    expect(ledger.refs.get(ref?.ref ?? '')?.commitment).toBeNull();
  });

  it('pseudonymises access-log entries an older version wrote in clear, of live and of erased subjects', async () => {
    const pd = service();
    const { subjectId } = await pd.createSubject(admin, 'onboarding');
    const { record } = await pd.addRecord(admin, 'LOT-1', { subjectId, category: 'name', value: 'Ada' }, 'x');
    const legacy = (subject: string, ref: string | null, asset: string | null) =>
      db.execute(
        `INSERT INTO pd_access_log (at, actor_key_id, actor_identity, actor_role, action, purpose, subject_id, ref, asset_id, category, outcome)
         VALUES (1, 'k', 'i', 'admin', 'read', 'old', $1, $2, $3, 'name', 'ok')`,
        [subject, ref, asset],
      );
    await legacy(subjectId, record.ref, 'LOT-1');
    await legacy('0b1c8a52-2f1e-4c1e-9a57-erased000001', 'aa'.repeat(16), 'LOT-OLD');
    expect(await pd.pseudonymiseLegacyAccessLog()).toBe(2);
    expect(await pd.pseudonymiseLegacyAccessLog()).toBe(0);
    const text = JSON.stringify(await pd.accessLog(0, 100));
    for (const id of [subjectId, record.ref, 'LOT-1', 'erased000001', 'LOT-OLD']) expect(text).not.toContain(id);
    // The live subject's old entry is now its own: its export names it again.
    const exported = await pd.export(admin, subjectId, 'check');
    expect(exported.accessLog.filter((e) => e.purpose === 'old')).toEqual([
      expect.objectContaining({ subjectId, ref: record.ref, assetId: 'LOT-1' }),
    ]);
  });

  it('keeps a ledger erasure pending when the ledger is down, and the retention run retries it', async () => {
    const pd = service();
    const { subjectId } = await pd.createSubject(admin, 'onboarding');
    const { record } = await pd.addRecord(
      admin,
      'LOT-1',
      { subjectId, category: 'name', value: 'Maria Rossi' },
      'onboarding',
    );
    ledger.failNext = new LedgerUnavailableError('down');
    const report = await pd.eraseSubject(admin, subjectId, 'art-17 request');
    expect(report.ledger).toEqual([{ ref: record.ref, assetId: 'LOT-1', status: 'pending', txId: null }]);
    await expect(pd.read(admin, record.ref, 'check')).rejects.toMatchObject({
      code: 'PERSONAL_DATA_NOT_FOUND',
    });
    const retry = await pd.runRetention(admin);
    expect(retry).toEqual({
      recordsErased: 0,
      ledger: [{ ref: record.ref, assetId: 'LOT-1', status: 'erased', txId: expect.any(String) as unknown }],
    });
    expect((await pd.runRetention(admin)).ledger).toEqual([]);
  });

  it('erases records whose retention period ended, per category, and keeps the others', async () => {
    policy = {
      readRoles: DEFAULT_READ_ROLES,
      retentionMs: { ...DEFAULT_RETENTION_MS, phone: 30 * DAY, name: 90 * DAY },
    };
    const pd = service();
    const { subjectId } = await pd.createSubject(carrier, 'delivery');
    const phone = await pd.addRecord(
      carrier,
      'LOT-1',
      { subjectId, category: 'phone', value: '+393331234567' },
      'delivery',
    );
    const name = await pd.addRecord(
      carrier,
      'LOT-1',
      { subjectId, category: 'name', value: 'Maria Rossi' },
      'delivery',
    );
    now += 30 * DAY - 1;
    expect(await pd.runRetention(carrier)).toEqual({ recordsErased: 0, ledger: [] });
    now += 1;
    const run = await pd.runRetention(carrier);
    expect(run.recordsErased).toBe(1);
    expect(run.ledger.map((l) => [l.ref, l.status])).toEqual([[phone.record.ref, 'erased']]);
    await expect(pd.read(carrier, phone.record.ref, 'delivery')).rejects.toMatchObject({
      code: 'PERSONAL_DATA_NOT_FOUND',
    });
    expect((await pd.read(carrier, name.record.ref, 'delivery')).value).toBe('Maria Rossi');
    expect(await storedText()).not.toContain('+393331234567');
    const entries = (await pd.export(admin, subjectId, 'check')).accessLog;
    // The erased record's entries keep their pseudonyms: the export no longer names its ref.
    expect(entries.filter((e) => e.action === 'retention-erase').map((e) => [e.ref, e.purpose])).toEqual([
      [expect.stringMatching(/^ps_/), 'retention period ended'],
    ]);
  });

  it('rotates the key-encryption key without losing data, and refuses a wrong or missing key', async () => {
    const before = service(new KeyRing(KEK_A));
    const { subjectId } = await before.createSubject(carrier, 'delivery');
    const { record } = await before.addRecord(
      carrier,
      'LOT-1',
      { subjectId, category: 'name', value: 'Maria Rossi' },
      'delivery',
    );
    const configWith = (kek: Buffer, previousKeks: Buffer[] = []) =>
      ({ personalData: { kek, previousKeks } }) as Parameters<typeof checkPersonalDataKeys>[1];

    await expect(checkPersonalDataKeys(db, configWith(KEK_B))).rejects.toThrow(
      `personal-data store holds data keys wrapped by key-encryption key ${kekId(KEK_A)}, which is neither WAYBILL_PD_KEK (id ${kekId(KEK_B)}) nor in WAYBILL_PD_PREVIOUS_KEKS: configure that key`,
    );
    // Step 1: new KEK current, old one previous — everything still reads.
    const ring = await checkPersonalDataKeys(db, configWith(KEK_B, [KEK_A]));
    expect((await service(ring).read(carrier, record.ref, 'delivery')).value).toBe('Maria Rossi');
    // Step 2: rewrap; then the old KEK is no longer needed.
    const repo = new PersonalDataRepository(db);
    expect(await rewrapDataKeys(repo, ring)).toEqual({ rewrapped: 1, kekId: kekId(KEK_B) });
    expect(await rewrapDataKeys(repo, ring)).toEqual({ rewrapped: 0, kekId: kekId(KEK_B) });
    const after = await checkPersonalDataKeys(db, configWith(KEK_B));
    expect((await service(after).read(carrier, record.ref, 'delivery')).value).toBe('Maria Rossi');
    await expect(checkPersonalDataKeys(db, configWith(KEK_A))).rejects.toThrow(/neither WAYBILL_PD_KEK/);

    // A store tampered so that the id matches but the key does not open.
    await db.execute('UPDATE pd_subjects SET wrapped_key = $1', [
      new KeyRing(Buffer.alloc(32, 0xee)).wrap(Buffer.alloc(32), subjectId).wrapped,
    ]);
    await expect(checkPersonalDataKeys(db, configWith(KEK_B))).rejects.toThrow(
      `a data key wrapped by key-encryption key ${kekId(KEK_B)} does not open with the configured key: wrong key or tampered store`,
    );
  });
});
