import { Inject } from '@nestjs/common';
import { DATABASE, type Database, type SqlExecutor } from '../database/database';

/** What was done to personal data. */
export type AccessAction =
  'create' | 'read' | 'export' | 'rectify' | 'erase' | 'retention-erase' | 'ledger-erase';

/** Whether the operation went through, or was refused (refusals are logged too). */
export type AccessOutcome = 'ok' | 'denied' | 'failed';

/** One access-log entry: who, when, why, which record. Ids only, never a personal value. */
export interface AccessLogEntry {
  readonly at: number;
  readonly actorKeyId: string;
  readonly actorIdentity: string;
  readonly actorRole: string;
  readonly action: AccessAction;
  readonly purpose: string;
  readonly subjectId: string | null;
  readonly ref: string | null;
  readonly assetId: string | null;
  readonly category: string | null;
  readonly outcome: AccessOutcome;
}

/** An entry as exported, with its sequence number (a cursor for the next page). */
export interface AccessLogRecord extends Omit<AccessLogEntry, 'at'> {
  readonly seq: number;
  readonly at: string;
}

interface Row extends Record<string, unknown> {
  seq: number;
  at: number;
  actor_key_id: string;
  actor_identity: string;
  actor_role: string;
  action: AccessAction;
  purpose: string;
  subject_id: string | null;
  ref: string | null;
  asset_id: string | null;
  category: string | null;
  outcome: AccessOutcome;
}

const COLUMNS =
  'seq, at, actor_key_id, actor_identity, actor_role, action, purpose, subject_id, ref, asset_id, category, outcome';

/** The append-only access log of personal data (`pd_access_log`). */
export class AccessLogRepository {
  constructor(@Inject(DATABASE) private readonly db: Database) {}

  /** Appends entries; pass the transaction of the change they describe so both commit together. */
  async append(entries: readonly AccessLogEntry[], tx: SqlExecutor = this.db): Promise<void> {
    for (const e of entries) {
      await tx.execute(
        `INSERT INTO pd_access_log (at, actor_key_id, actor_identity, actor_role, action, purpose, subject_id, ref, asset_id, category, outcome)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
        [
          e.at,
          e.actorKeyId,
          e.actorIdentity,
          e.actorRole,
          e.action,
          e.purpose,
          e.subjectId,
          e.ref,
          e.assetId,
          e.category,
          e.outcome,
        ],
      );
    }
  }

  /** Entries after sequence number `afterSeq`, oldest first. */
  async list(afterSeq: number, limit: number): Promise<AccessLogRecord[]> {
    const rows = await this.db.query<Row>(
      `SELECT ${COLUMNS} FROM pd_access_log WHERE seq > $1 ORDER BY seq LIMIT $2`,
      [afterSeq, limit],
    );
    return rows.map(toRecord);
  }

  /** Entries an older version wrote with a subject id in clear, grouped by subject. */
  async clearSubjectEntries(): Promise<
    { subjectId: string; entries: { seq: number; ref: string | null; assetId: string | null }[] }[]
  > {
    const rows = await this.db.query<{ seq: number; subject_id: string; ref: string | null; asset_id: string | null }>(
      "SELECT seq, subject_id, ref, asset_id FROM pd_access_log WHERE subject_id IS NOT NULL AND subject_id NOT LIKE 'ps!_%' ESCAPE '!' ORDER BY seq",
    );
    const bySubject = new Map<string, { seq: number; ref: string | null; assetId: string | null }[]>();
    for (const r of rows) {
      const list = bySubject.get(r.subject_id) ?? [];
      list.push({ seq: Number(r.seq), ref: r.ref, assetId: r.asset_id });
      bySubject.set(r.subject_id, list);
    }
    return [...bySubject].map(([subjectId, entries]) => ({ subjectId, entries }));
  }

  /** Replaces an entry's subject, ref and asset (pseudonymisation of an entry still in clear). */
  rewrite(
    seq: number,
    clearSubjectId: string,
    to: { subjectId: string; ref: string | null; assetId: string | null },
  ): Promise<number> {
    return this.db.execute(
      'UPDATE pd_access_log SET subject_id = $1, ref = $2, asset_id = $3 WHERE seq = $4 AND subject_id = $5',
      [to.subjectId, to.ref, to.assetId, seq, clearSubjectId],
    );
  }

  /** Every entry about one data subject, oldest first. */
  async forSubject(subjectId: string): Promise<AccessLogRecord[]> {
    const rows = await this.db.query<Row>(
      `SELECT ${COLUMNS} FROM pd_access_log WHERE subject_id = $1 ORDER BY seq`,
      [subjectId],
    );
    return rows.map(toRecord);
  }
}

function toRecord(r: Row): AccessLogRecord {
  return {
    seq: Number(r.seq),
    at: new Date(Number(r.at)).toISOString(),
    actorKeyId: r.actor_key_id,
    actorIdentity: r.actor_identity,
    actorRole: r.actor_role,
    action: r.action,
    purpose: r.purpose,
    subjectId: r.subject_id,
    ref: r.ref,
    assetId: r.asset_id,
    category: r.category,
    outcome: r.outcome,
  };
}
