import { Inject } from '@nestjs/common';
import { DATABASE, type Database, type SqlExecutor } from '../database/database';
import type { PersonalDataCategory } from './categories';

/** A data subject: only its data key, wrapped under a key-encryption key. */
export interface SubjectRow {
  readonly subjectId: string;
  readonly wrappedKey: string;
  readonly kekId: string;
  readonly createdAt: number;
}

/** A personal-data record as stored: the value and its salt are in `sealed`, never in clear. */
export interface RecordRow {
  readonly ref: string;
  readonly subjectId: string;
  readonly assetId: string;
  readonly category: PersonalDataCategory;
  readonly sealed: string;
  readonly commitment: string;
  readonly version: number;
  readonly createdAt: number;
  readonly updatedAt: number;
  readonly expiresAt: number;
}

/** A ledger reference whose off-chain data is gone and that still has to be marked erased on the ledger. */
export interface LedgerErasure {
  readonly ref: string;
  readonly assetId: string;
  readonly attempts: number;
}

const RECORD_COLUMNS =
  'ref, subject_id, asset_id, category, sealed, commitment, version, created_at, updated_at, expires_at';

/**
 * Storage of personal data (`pd_*` tables, migration 2) on SQLite or PostgreSQL. Holds no crypto:
 * callers seal before writing and open after reading.
 */
export class PersonalDataRepository {
  constructor(@Inject(DATABASE) readonly db: Database) {}

  async insertSubject(s: SubjectRow): Promise<void> {
    await this.db.execute(
      'INSERT INTO pd_subjects (subject_id, wrapped_key, kek_id, created_at) VALUES ($1, $2, $3, $4)',
      [s.subjectId, s.wrappedKey, s.kekId, s.createdAt],
    );
  }

  async subject(subjectId: string, tx: SqlExecutor = this.db): Promise<SubjectRow | undefined> {
    const [row] = await tx.query<{
      subject_id: string;
      wrapped_key: string;
      kek_id: string;
      created_at: number;
    }>('SELECT subject_id, wrapped_key, kek_id, created_at FROM pd_subjects WHERE subject_id = $1', [
      subjectId,
    ]);
    return row && toSubject(row);
  }

  async insertRecord(r: RecordRow, tx: SqlExecutor = this.db): Promise<void> {
    await tx.execute(
      `INSERT INTO pd_records (${RECORD_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
      [
        r.ref,
        r.subjectId,
        r.assetId,
        r.category,
        r.sealed,
        r.commitment,
        r.version,
        r.createdAt,
        r.updatedAt,
        r.expiresAt,
      ],
    );
  }

  async record(ref: string, tx: SqlExecutor = this.db): Promise<RecordRow | undefined> {
    const [row] = await tx.query<RawRecord>(`SELECT ${RECORD_COLUMNS} FROM pd_records WHERE ref = $1`, [ref]);
    return row && toRecord(row);
  }

  async recordsOf(subjectId: string, tx: SqlExecutor = this.db): Promise<RecordRow[]> {
    const rows = await tx.query<RawRecord>(
      `SELECT ${RECORD_COLUMNS} FROM pd_records WHERE subject_id = $1 ORDER BY created_at, ref`,
      [subjectId],
    );
    return rows.map(toRecord);
  }

  /**
   * Replaces a record's sealed value and commitment if it is still at `expectedVersion`.
   * @returns whether it was replaced (false: changed or erased meanwhile).
   */
  /**
   * First step of a rectification: stages the new sealed value and commitment beside the current
   * ones, if the record is still at `expectedVersion` and no other rectification is staged (one
   * staged before `staleBefore` is abandoned and may be replaced).
   * @returns false when the record changed or another rectification is in progress.
   */
  async stageRectification(
    ref: string,
    expectedVersion: number,
    next: Pick<RecordRow, 'sealed' | 'commitment'>,
    at: number,
    staleBefore: number,
  ): Promise<boolean> {
    const changed = await this.db.execute(
      `UPDATE pd_records SET pending_sealed = $1, pending_commitment = $2, pending_since = $3
        WHERE ref = $4 AND version = $5 AND (pending_since IS NULL OR pending_since < $6)`,
      [next.sealed, next.commitment, at, ref, expectedVersion, staleBefore],
    );
    return changed === 1;
  }

  /** The staged rectification of a record, if any. */
  async staged(ref: string): Promise<{ commitment: string; since: number } | undefined> {
    const [row] = await this.db.query<{ pending_commitment: string | null; pending_since: number | null }>(
      'SELECT pending_commitment, pending_since FROM pd_records WHERE ref = $1',
      [ref],
    );
    if (!row?.pending_commitment || row.pending_since === null) return undefined;
    return { commitment: row.pending_commitment, since: Number(row.pending_since) };
  }

  /** Makes the staged rectification the record's value (after the ledger took its commitment). */
  async promoteRectification(
    ref: string,
    expectedVersion: number,
    updatedAt: number,
    tx: SqlExecutor = this.db,
  ): Promise<boolean> {
    const changed = await tx.execute(
      `UPDATE pd_records SET sealed = pending_sealed, commitment = pending_commitment, updated_at = $1,
              version = version + 1, pending_sealed = NULL, pending_commitment = NULL, pending_since = NULL
        WHERE ref = $2 AND version = $3 AND pending_commitment IS NOT NULL`,
      [updatedAt, ref, expectedVersion],
    );
    return changed === 1;
  }

  /** Drops a staged rectification (its ledger write failed). */
  async dropRectification(ref: string, expectedVersion: number): Promise<void> {
    await this.db.execute(
      'UPDATE pd_records SET pending_sealed = NULL, pending_commitment = NULL, pending_since = NULL WHERE ref = $1 AND version = $2',
      [ref, expectedVersion],
    );
  }

  /** Deletes a record outright (a ledger write that failed: its ref never reached the ledger). */
  async deleteRecord(ref: string, tx: SqlExecutor = this.db): Promise<void> {
    await tx.execute('DELETE FROM pd_records WHERE ref = $1', [ref]);
  }

  /** Deletes a subject and its wrapped data key; its records must be gone first. */
  async deleteSubject(subjectId: string, tx: SqlExecutor = this.db): Promise<number> {
    return tx.execute('DELETE FROM pd_subjects WHERE subject_id = $1', [subjectId]);
  }

  /**
   * Erases records: deletes them (value and salt are inside `sealed`) and queues their refs for the
   * ledger, in the caller's transaction.
   */
  async eraseRecords(
    records: readonly Pick<RecordRow, 'ref' | 'assetId'>[],
    at: number,
    tx: SqlExecutor,
  ): Promise<void> {
    for (const r of records) {
      await tx.execute(
        'INSERT INTO pd_ledger_erasures (ref, asset_id, requested_at, attempts) VALUES ($1, $2, $3, 0) ON CONFLICT (ref) DO NOTHING',
        [r.ref, r.assetId, at],
      );
      await tx.execute('DELETE FROM pd_records WHERE ref = $1', [r.ref]);
    }
  }

  /** Records whose retention period ended at or before `now`, oldest first. */
  async expired(now: number, limit: number): Promise<RecordRow[]> {
    const rows = await this.db.query<RawRecord>(
      `SELECT ${RECORD_COLUMNS} FROM pd_records WHERE expires_at <= $1 ORDER BY expires_at, ref LIMIT $2`,
      [now, limit],
    );
    return rows.map(toRecord);
  }

  async pendingLedgerErasures(limit: number): Promise<LedgerErasure[]> {
    const rows = await this.db.query<{ ref: string; asset_id: string; attempts: number }>(
      'SELECT ref, asset_id, attempts FROM pd_ledger_erasures WHERE done_at IS NULL ORDER BY requested_at, ref LIMIT $1',
      [limit],
    );
    return rows.map((r) => ({ ref: r.ref, assetId: r.asset_id, attempts: Number(r.attempts) }));
  }

  async ledgerErasureDone(ref: string, at: number, txId: string | null, outcome: string): Promise<void> {
    await this.db.execute(
      'UPDATE pd_ledger_erasures SET done_at = $1, tx_id = $2, outcome = $3, attempts = attempts + 1 WHERE ref = $4',
      [at, txId, outcome, ref],
    );
  }

  async ledgerErasureFailed(ref: string, outcome: string): Promise<void> {
    await this.db.execute(
      'UPDATE pd_ledger_erasures SET attempts = attempts + 1, outcome = $1 WHERE ref = $2',
      [outcome, ref],
    );
  }

  /**
   * After an erasure: SQLite copies pages to its write-ahead log, so the log is checkpointed and
   * truncated (deleted rows are overwritten in the file itself: `secure_delete` is on). PostgreSQL
   * keeps dead tuples until VACUUM; what protects them is that the data keys are gone (and KEK
   * rotation, see docs/privacy.md).
   */
  async compact(): Promise<void> {
    if (this.db.dialect === 'sqlite') await this.db.query('PRAGMA wal_checkpoint(TRUNCATE)');
  }

  /** Key-encryption key ids in use, with one subject each (to test that the key opens). */
  async kekSamples(): Promise<SubjectRow[]> {
    const rows = await this.db.query<{
      subject_id: string;
      wrapped_key: string;
      kek_id: string;
      created_at: number;
    }>(
      `SELECT s.subject_id, s.wrapped_key, s.kek_id, s.created_at FROM pd_subjects s
       WHERE s.subject_id = (SELECT MIN(t.subject_id) FROM pd_subjects t WHERE t.kek_id = s.kek_id)
       ORDER BY s.kek_id`,
    );
    return rows.map(toSubject);
  }

  /** Subjects whose data key is wrapped under another KEK than `kekId`. */
  async subjectsNotUnder(kekId: string, limit: number): Promise<SubjectRow[]> {
    const rows = await this.db.query<{
      subject_id: string;
      wrapped_key: string;
      kek_id: string;
      created_at: number;
    }>(
      'SELECT subject_id, wrapped_key, kek_id, created_at FROM pd_subjects WHERE kek_id <> $1 ORDER BY subject_id LIMIT $2',
      [kekId, limit],
    );
    return rows.map(toSubject);
  }

  /** Replaces a wrapped data key if it is still wrapped under `expectedKekId`. */
  async rewrap(
    subjectId: string,
    expectedKekId: string,
    wrappedKey: string,
    kekId: string,
  ): Promise<boolean> {
    const changed = await this.db.execute(
      'UPDATE pd_subjects SET wrapped_key = $1, kek_id = $2 WHERE subject_id = $3 AND kek_id = $4',
      [wrappedKey, kekId, subjectId, expectedKekId],
    );
    return changed === 1;
  }
}

interface RawRecord extends Record<string, unknown> {
  ref: string;
  subject_id: string;
  asset_id: string;
  category: PersonalDataCategory;
  sealed: string;
  commitment: string;
  version: number;
  created_at: number;
  updated_at: number;
  expires_at: number;
}

function toRecord(r: RawRecord): RecordRow {
  return {
    ref: r.ref,
    subjectId: r.subject_id,
    assetId: r.asset_id,
    category: r.category,
    sealed: r.sealed,
    commitment: r.commitment,
    version: Number(r.version),
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
    expiresAt: Number(r.expires_at),
  };
}

function toSubject(r: {
  subject_id: string;
  wrapped_key: string;
  kek_id: string;
  created_at: number;
}): SubjectRow {
  return {
    subjectId: r.subject_id,
    wrappedKey: r.wrapped_key,
    kekId: r.kek_id,
    createdAt: Number(r.created_at),
  };
}
