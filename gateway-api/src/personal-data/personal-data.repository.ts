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

/** A record whose first ledger write has no known outcome yet. */
export interface UnsettledRecord {
  readonly ref: string;
  readonly subjectId: string;
  readonly assetId: string;
  readonly category: PersonalDataCategory;
  /** When its transaction was sent to be ordered (or the record stored, before that). */
  readonly since: number;
  readonly txId: string | null;
  /** The gateway process whose request is writing it (`abandoned`: none any more). */
  readonly owner: string | null;
}

/** A staged rectification: its new commitment, the transaction carrying it, its process. */
export interface StagedRectification {
  readonly ref: string;
  readonly assetId: string;
  readonly version: number;
  readonly commitment: string;
  readonly since: number;
  readonly txId: string | null;
  readonly owner: string | null;
}

interface RawStaged extends Record<string, unknown> {
  ref: string;
  asset_id: string;
  version: number;
  pending_commitment: string;
  pending_since: number;
  pending_tx_id: string | null;
  pending_owner: string | null;
}

function toStaged(r: RawStaged): StagedRectification {
  return {
    ref: r.ref,
    assetId: r.asset_id,
    version: Number(r.version),
    commitment: r.pending_commitment,
    since: Number(r.pending_since),
    txId: r.pending_tx_id,
    owner: r.pending_owner,
  };
}

/** A ledger reference whose off-chain data is gone and that still has to be marked erased on the ledger. */
export interface LedgerErasure {
  readonly ref: string;
  readonly assetId: string;
  readonly attempts: number;
  /**
   * When the record was erased before its own ledger write had a known outcome: the reference may
   * still reach the ledger, so "not on the ledger" is no answer until the commit window is over.
   */
  readonly awaitingCommitSince?: number;
}

interface RawErasure extends Record<string, unknown> {
  ref: string;
  asset_id: string;
  attempts: number;
  requested_at: number;
  outcome: string | null;
}

function toErasure(r: RawErasure): LedgerErasure {
  return {
    ref: r.ref,
    assetId: r.asset_id,
    attempts: Number(r.attempts),
    ...(r.outcome === AWAITING_COMMIT ? { awaitingCommitSince: Number(r.requested_at) } : {}),
  };
}

/** `pd_ledger_erasures.outcome` of a reference whose first ledger write was still unsettled. */
export const AWAITING_COMMIT = 'awaiting-commit';

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

  /**
   * Inserts a record. `unsettledOwner`: the record's ledger write is yet to be made by that process
   * (the record is "unsettled" until {@link settleRecords}).
   */
  async insertRecord(r: RecordRow, tx: SqlExecutor = this.db, unsettledOwner?: string | null): Promise<void> {
    const unsettled = unsettledOwner !== undefined;
    await tx.execute(
      `INSERT INTO pd_records (${RECORD_COLUMNS}, unsettled_since, owner) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
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
        unsettled ? r.createdAt : null,
        unsettled ? unsettledOwner : null,
      ],
    );
  }

  /**
   * Records the transaction that carries these records' first ledger write, just before it is
   * ordered (and restarts their settle clock).
   * @throws Error when a record is gone (erased meanwhile): the write must not be ordered.
   */
  async recordUnsettledTx(refs: readonly string[], txId: string, at: number): Promise<void> {
    for (const ref of refs) {
      const changed = await this.db.execute(
        'UPDATE pd_records SET unsettled_tx_id = $1, unsettled_since = $2 WHERE ref = $3 AND unsettled_since IS NOT NULL',
        [txId, at, ref],
      );
      if (changed !== 1) throw new Error('a personal-data record of this write is gone');
    }
  }

  /** The records' ledger write committed: they are settled. */
  async settleRecords(refs: readonly string[], txId?: string): Promise<number> {
    let settled = 0;
    for (const ref of refs) {
      settled += await this.db.execute(
        `UPDATE pd_records SET unsettled_since = NULL, unsettled_tx_id = NULL, owner = NULL
          WHERE ref = $1 AND unsettled_since IS NOT NULL ${txId === undefined ? '' : 'AND unsettled_tx_id = $2'}`,
        txId === undefined ? [ref] : [ref, txId],
      );
    }
    return settled;
  }

  /**
   * The request that wrote these records ends without knowing its transaction's outcome (or, with
   * `Prefer: respond-async`, does not wait for it): the settler takes them over.
   */
  async abandonRecords(refs: readonly string[]): Promise<void> {
    for (const ref of refs) {
      await this.db.execute(
        "UPDATE pd_records SET owner = 'abandoned' WHERE ref = $1 AND unsettled_since IS NOT NULL",
        [ref],
      );
    }
  }

  /** Records whose first ledger write has no known outcome yet, oldest first. */
  async unsettledRecords(limit: number): Promise<UnsettledRecord[]> {
    const rows = await this.db.query<{
      ref: string;
      subject_id: string;
      asset_id: string;
      category: PersonalDataCategory;
      unsettled_since: number;
      unsettled_tx_id: string | null;
      owner: string | null;
    }>(
      `SELECT ref, subject_id, asset_id, category, unsettled_since, unsettled_tx_id, owner FROM pd_records
        WHERE unsettled_since IS NOT NULL ORDER BY unsettled_since, ref LIMIT $1`,
      [limit],
    );
    return rows.map((r) => ({
      ref: r.ref,
      subjectId: r.subject_id,
      assetId: r.asset_id,
      category: r.category,
      since: Number(r.unsettled_since),
      txId: r.unsettled_tx_id,
      owner: r.owner,
    }));
  }

  /** Deletes an unsettled record whose ledger write had no effect; false if it was settled meanwhile. */
  async discardUnsettled(ref: string, tx: SqlExecutor = this.db): Promise<boolean> {
    return (
      (await tx.execute('DELETE FROM pd_records WHERE ref = $1 AND unsettled_since IS NOT NULL', [ref])) === 1
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
   * First step of a rectification: stages the new sealed value and commitment beside the current
   * ones, if the record is still at `expectedVersion` and no other rectification is staged (a
   * staged one is settled by its own transaction's commit status, never replaced).
   * @returns false when the record changed or another rectification is in progress.
   */
  async stageRectification(
    ref: string,
    expectedVersion: number,
    next: Pick<RecordRow, 'sealed' | 'commitment'>,
    at: number,
    owner: string | null,
  ): Promise<boolean> {
    const changed = await this.db.execute(
      `UPDATE pd_records SET pending_sealed = $1, pending_commitment = $2, pending_since = $3, pending_owner = $4,
              pending_tx_id = NULL
        WHERE ref = $5 AND version = $6 AND pending_since IS NULL AND unsettled_since IS NULL`,
      [next.sealed, next.commitment, at, owner, ref, expectedVersion],
    );
    return changed === 1;
  }

  /**
   * Records the transaction of a staged rectification just before it is ordered.
   * @throws Error when the staged rectification is gone (erased meanwhile): it must not be ordered.
   */
  async recordRectificationTx(ref: string, commitment: string, txId: string, at: number): Promise<void> {
    const changed = await this.db.execute(
      'UPDATE pd_records SET pending_tx_id = $1, pending_since = $2 WHERE ref = $3 AND pending_commitment = $4',
      [txId, at, ref, commitment],
    );
    if (changed !== 1) throw new Error('the staged rectification is gone');
  }

  /** Its request ends without knowing its transaction's outcome: the settler takes it over. */
  async abandonRectification(ref: string, commitment: string): Promise<void> {
    await this.db.execute(
      "UPDATE pd_records SET pending_owner = 'abandoned' WHERE ref = $1 AND pending_commitment = $2",
      [ref, commitment],
    );
  }

  /** The staged rectification of a record, if any. */
  async staged(ref: string): Promise<StagedRectification | undefined> {
    const [row] = await this.db.query<RawStaged>(
      `SELECT ref, asset_id, version, pending_commitment, pending_since, pending_tx_id, pending_owner
         FROM pd_records WHERE ref = $1 AND pending_since IS NOT NULL`,
      [ref],
    );
    return row && toStaged(row);
  }

  /** Every staged rectification, oldest first. */
  async stagedRectifications(limit: number): Promise<StagedRectification[]> {
    const rows = await this.db.query<RawStaged>(
      `SELECT ref, asset_id, version, pending_commitment, pending_since, pending_tx_id, pending_owner
         FROM pd_records WHERE pending_since IS NOT NULL ORDER BY pending_since, ref LIMIT $1`,
      [limit],
    );
    return rows.map(toStaged);
  }

  /**
   * Makes the staged rectification whose commitment is `commitment` the record's value (after the
   * ledger took that commitment). Another rectification's staging is never promoted.
   */
  async promoteRectification(
    ref: string,
    expectedVersion: number,
    commitment: string,
    updatedAt: number,
    tx: SqlExecutor = this.db,
  ): Promise<boolean> {
    const changed = await tx.execute(
      `UPDATE pd_records SET sealed = pending_sealed, commitment = pending_commitment, updated_at = $1,
              version = version + 1, pending_sealed = NULL, pending_commitment = NULL, pending_since = NULL,
              pending_tx_id = NULL, pending_owner = NULL
        WHERE ref = $2 AND version = $3 AND pending_commitment = $4`,
      [updatedAt, ref, expectedVersion, commitment],
    );
    return changed === 1;
  }

  /** Drops the staged rectification whose commitment is `commitment` (its ledger write had no effect). */
  async dropRectification(ref: string, commitment: string): Promise<boolean> {
    const changed = await this.db.execute(
      `UPDATE pd_records SET pending_sealed = NULL, pending_commitment = NULL, pending_since = NULL,
              pending_tx_id = NULL, pending_owner = NULL
        WHERE ref = $1 AND pending_commitment = $2`,
      [ref, commitment],
    );
    return changed === 1;
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
        `INSERT INTO pd_ledger_erasures (ref, asset_id, requested_at, attempts, outcome)
         SELECT $1, $2, $3, 0, CASE WHEN unsettled_since IS NULL THEN NULL ELSE '${AWAITING_COMMIT}' END
           FROM pd_records WHERE ref = $1
         ON CONFLICT (ref) DO NOTHING`,
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

  /** The pending ledger erasures of these references (those of one erasure), in their order. */
  async ledgerErasuresOf(refs: readonly string[]): Promise<LedgerErasure[]> {
    const out: LedgerErasure[] = [];
    for (const ref of refs) {
      const rows = await this.db.query<RawErasure>(
        'SELECT ref, asset_id, attempts, requested_at, outcome FROM pd_ledger_erasures WHERE ref = $1 AND done_at IS NULL',
        [ref],
      );
      out.push(...rows.map(toErasure));
    }
    return out;
  }

  async pendingLedgerErasures(limit: number): Promise<LedgerErasure[]> {
    const rows = await this.db.query<RawErasure>(
      `SELECT ref, asset_id, attempts, requested_at, outcome FROM pd_ledger_erasures WHERE done_at IS NULL
        ORDER BY requested_at, ref LIMIT $1`,
      [limit],
    );
    return rows.map(toErasure);
  }

  async ledgerErasureDone(ref: string, at: number, txId: string | null, outcome: string): Promise<void> {
    await this.db.execute(
      'UPDATE pd_ledger_erasures SET done_at = $1, tx_id = $2, outcome = $3, attempts = attempts + 1 WHERE ref = $4',
      [at, txId, outcome, ref],
    );
  }

  async ledgerErasureFailed(ref: string, outcome: string): Promise<void> {
    await this.db.execute(
      `UPDATE pd_ledger_erasures SET attempts = attempts + 1,
              outcome = CASE WHEN outcome = '${AWAITING_COMMIT}' THEN outcome ELSE $1 END
        WHERE ref = $2`,
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

  /** When the epoch of key-encryption key `kekId` started (`pd_kek_epochs`), if recorded. */
  async kekEpochStartedAt(kekId: string): Promise<number | undefined> {
    const [row] = await this.db.query<{ started_at: number }>(
      'SELECT started_at FROM pd_kek_epochs WHERE kek_id = $1',
      [kekId],
    );
    return row === undefined ? undefined : Number(row.started_at);
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
