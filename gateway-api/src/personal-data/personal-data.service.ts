import { createHmac, hkdfSync, randomUUID } from 'node:crypto';
import type { AuthenticatedClient } from '../common/client';
import type { SqlExecutor } from '../database/database';
import { ProblemException } from '../common/problems';
import type { Role } from '../config/profile';
import { watchSubmissions } from '../common/submissions';
import { ChaincodeError, outcomeKnown } from '../ledger/ledger.errors';
import type {
  AccessAction,
  AccessLogEntry,
  AccessLogRecord,
  AccessLogRepository,
} from './access-log.repository';
import { checkValue, type PersonalDataCategory } from './categories';
import { COMMITMENT_SCHEME, commitment, commitmentMatches, newRef, newSalt } from './commitment';
import { type KeyRing, newDataKey, open, SealError, seal } from '../crypto/envelope-crypto';
import type { PersonalDataLedger } from './personal-data.ledger';
import type {
  LedgerErasure,
  PersonalDataRepository,
  RecordRow,
  StagedRectification,
  SubjectRow,
  UnsettledRecord,
} from './personal-data.repository';

/** Who may read which category, and how long each category is kept. */
export interface PersonalDataPolicy {
  readonly readRoles: Readonly<Record<PersonalDataCategory, readonly Role[]>>;
  readonly retentionMs: Readonly<Record<PersonalDataCategory, number>>;
}

/** A new personal value for an asset. */
export interface RecordInput {
  readonly subjectId: string;
  readonly category: PersonalDataCategory;
  readonly value: string;
}

/** What the ledger gets for a record: never the value. */
export interface LedgerRefInput {
  readonly ref: string;
  readonly commitment: string;
  readonly category: PersonalDataCategory;
}

/** A record without its value (answers of writes: they may be stored for idempotent replays). */
export interface RecordSummary {
  readonly ref: string;
  readonly subjectId: string;
  readonly assetId: string;
  readonly category: PersonalDataCategory;
  readonly commitment: string;
  readonly version: number;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly expiresAt: string;
}

/** A record with its value, as an ordinary read answers: never the salt. */
export interface RecordValue extends RecordSummary {
  readonly value: string;
}

/**
 * A record with its value and salt: what is needed to verify it against the ledger. Only the
 * subject's export hands the salt out (docs/privacy.md).
 */
export interface RecordView extends RecordValue {
  readonly salt: string;
}

/** Everything held about a data subject (Art. 15 access, Art. 20 portability). */
export interface SubjectExport {
  readonly subjectId: string;
  readonly controllerOrg: string;
  readonly exportedAt: string;
  readonly createdAt: string;
  /** How to recompute each commitment (so the export can be verified without this gateway). */
  readonly commitmentScheme: string;
  readonly records: RecordView[];
  readonly accessLog: AccessLogRecord[];
}

/** A ledger reference marked erased (or why it is still pending). */
export interface LedgerErasureResult {
  readonly ref: string;
  readonly assetId: string;
  readonly status: 'erased' | 'already-erased' | 'not-on-ledger' | 'pending';
  readonly txId: string | null;
}

/** How long database backups taken before an erasure still open (docs/privacy.md). */
export interface BackupBound {
  /** When the scheduled KEK rotation has destroyed the key they need; null without a schedule. */
  readonly readableUntil: string | null;
  readonly detail: string;
}

/** The outcome of erasing a data subject (Art. 17). */
export interface ErasureReport {
  readonly subjectId: string;
  readonly erasedAt: string;
  readonly recordsErased: number;
  readonly ledger: LedgerErasureResult[];
  readonly backups: BackupBound;
}

/** The outcome of checking a record against the ledger. */
export interface VerifyResult {
  readonly assetId: string;
  readonly ref: string;
  /** match: the value and salt open the commitment on the ledger; erased: the reference was erased. */
  readonly status: 'match' | 'mismatch' | 'erased';
  readonly matches: boolean;
}

/** The outcome of one retention run. */
export interface RetentionReport {
  readonly recordsErased: number;
  readonly ledger: LedgerErasureResult[];
}

const RETENTION_BATCH = 200;
const LEDGER_ERASURE_BATCH = 200;

/**
 * How unfinished ledger writes are told from writes in progress, and settled (docs/privacy.md,
 * "Unknown outcomes").
 */
export interface PersonalDataRecovery {
  /** This process (owner of the writes it starts). */
  readonly owner: string | null;
  /** Whether the process `owner` may still be running its write. */
  readonly alive: (owner: string | null) => Promise<boolean>;
  /** The longest a write request can last (a live owner's write older than that is over). */
  readonly writeBoundMs: number;
  /** After this long since it was sent to be ordered, a transaction the ledger lacks never commits. */
  readonly commitWindowMs: number;
}

/** The outcome of one settler run. */
export interface SettleReport {
  readonly settled: number;
  readonly discarded: number;
  readonly promoted: number;
  readonly dropped: number;
  readonly waiting: number;
}

const SETTLE_BATCH = 200;
/** Owner of a write whose request ended without knowing its outcome (repository marks it so). */
const ABANDONED = 'abandoned';
/** How long the settler waits for one transaction's commit status. */
const SETTLE_STATUS_WAIT_MS = 2_000;

/** Defaults for tests and tools: nobody else writes, every write lasts at most 10 minutes. */
export const SINGLE_PROCESS_RECOVERY: PersonalDataRecovery = {
  owner: null,
  alive: () => Promise.resolve(true),
  writeBoundMs: 10 * 60_000,
  commitWindowMs: 2 * 60_000,
};

/**
 * Personal data off-chain (docs/privacy.md). Values live only in this organisation's store,
 * sealed with a per-subject data key (AES-256-GCM) that is itself wrapped by the key-encryption
 * key; the ledger gets a random reference and a salted commitment. Every read, export,
 * rectification and erasure is appended to the access log, refusals included.
 */
export class PersonalDataService {
  readonly #now: () => number;

  constructor(
    private readonly repo: PersonalDataRepository,
    private readonly log: AccessLogRepository,
    private readonly keys: KeyRing,
    private readonly ledger: PersonalDataLedger,
    private readonly policy: PersonalDataPolicy,
    now: () => number = Date.now,
    private readonly recovery: PersonalDataRecovery = SINGLE_PROCESS_RECOVERY,
    /** When backups taken now stop opening (the next KEK rotation's end), or null without one. */
    private readonly kekSchedule: () => Promise<number | null> = () => Promise.resolve(null),
  ) {
    this.#now = now;
  }

  /** Creates a data subject: a fresh data key, wrapped. The id is random, so it identifies no one. */
  async createSubject(
    client: AuthenticatedClient,
    purpose: string,
  ): Promise<{ subjectId: string; createdAt: string }> {
    const subjectId = randomUUID();
    const { wrapped, kekId } = this.keys.wrap(newDataKey(), subjectId);
    const at = this.#now();
    await this.repo.insertSubject({ subjectId, wrappedKey: wrapped, kekId, createdAt: at });
    await this.#append([this.#entry(client, 'create', purpose, { subjectId }, 'ok', at)]);
    return { subjectId, createdAt: iso(at) };
  }

  /**
   * Stores records for an asset before its ledger write, and gives what the ledger gets. Call
   * `discard` when the ledger write fails, so no record points at a reference the ledger lacks.
   */
  async prepare(
    client: AuthenticatedClient,
    assetId: string,
    inputs: readonly RecordInput[],
    purpose: string,
    field: (index: number) => string = (i) => `personalData[${i}].value`,
  ): Promise<{
    refs: LedgerRefInput[];
    records: RecordSummary[];
    write: <T>(work: () => Promise<T>, committed: (result: T) => boolean) => Promise<T>;
  }> {
    const at = this.#now();
    const rows: RecordRow[] = [];
    for (const [index, input] of inputs.entries()) {
      await this.#requireReadable(client, input.category, 'create', purpose, {
        subjectId: input.subjectId,
        assetId,
      });
      const checked = checkValue(input.category, input.value);
      if (!checked.ok) throw invalidValue(checked.message, field(index));
      const subject = await this.#subject(input.subjectId);
      const dataKey = this.#dataKey(subject);
      const ref = newRef();
      const salt = newSalt();
      rows.push({
        ref,
        subjectId: input.subjectId,
        assetId,
        category: input.category,
        sealed: sealRecord(
          dataKey,
          { ref, subjectId: input.subjectId, category: input.category },
          checked.value,
          salt,
        ),
        commitment: commitment(ref, input.category, checked.value, salt),
        version: 1,
        createdAt: at,
        updatedAt: at,
        expiresAt: at + this.policy.retentionMs[input.category],
      });
    }
    await this.repo.db.transaction(async (tx) => {
      for (const row of rows) await this.repo.insertRecord(row, tx, this.recovery.owner);
      await this.#append(
        rows.map((r) => this.#entry(client, 'create', purpose, r, 'ok', at)),
        tx,
      );
    });
    return {
      refs: rows.map((r) => ({ ref: r.ref, commitment: r.commitment, category: r.category })),
      records: rows.map(summary),
      write: <T>(work: () => Promise<T>, committed: (result: T) => boolean) =>
        this.#write(client, purpose, rows, work, committed),
    };
  }

  /**
   * Runs the ledger write of freshly stored (unsettled) records. Its transaction ID is recorded on
   * them before it is ordered; then they are settled (committed), removed (surely no effect), or
   * left to the settler (an unknown outcome, an asynchronous write): never guessed.
   */
  async #write<T>(
    client: AuthenticatedClient,
    purpose: string,
    rows: readonly RecordRow[],
    work: () => Promise<T>,
    committed: (result: T) => boolean,
  ): Promise<T> {
    const refs = rows.map((r) => r.ref);
    let submitted = false;
    let result: T;
    try {
      result = await watchSubmissions(async (txId) => {
        await this.repo.recordUnsettledTx(refs, txId, this.#now());
        submitted = true;
      }, work);
    } catch (err) {
      if (submitted && !outcomeKnown(err)) await this.repo.abandonRecords(refs);
      else await this.#discard(client, purpose, rows);
      throw err;
    }
    if (committed(result)) await this.repo.settleRecords(refs);
    else await this.repo.abandonRecords(refs);
    return result;
  }

  /** Removes records whose ledger write had no effect (their creation is logged as failed). */
  async #discard(
    client: AuthenticatedClient,
    purpose: string,
    rows: readonly Pick<RecordRow, 'ref' | 'subjectId' | 'assetId' | 'category'>[],
  ): Promise<number> {
    return this.repo.db.transaction(async (tx) => {
      const gone = [];
      for (const r of rows) if (await this.repo.discardUnsettled(r.ref, tx)) gone.push(r);
      await this.#append(
        gone.map((r) => this.#entry(client, 'create', purpose, r, 'failed', this.#now())),
        tx,
      );
      return gone.length;
    });
  }

  /** Adds a record to an existing asset: stored, then its reference and commitment go on the ledger. */
  async addRecord(
    client: AuthenticatedClient,
    assetId: string,
    input: RecordInput,
    purpose: string,
  ): Promise<{ record: RecordSummary; txId: string; blockNumber: number }> {
    const prepared = await this.prepare(client, assetId, [input], purpose, () => 'value');
    const [ref] = prepared.refs;
    const [record] = prepared.records;
    if (!ref || !record) throw new Error('prepare returned no record');
    const receipt = await prepared.write(
      () => this.ledger.upsertRef(client, assetId, ref),
      () => true,
    );
    return { record, ...receipt };
  }

  /**
   * Reads one record's value (without its salt: that comes only with the subject's export).
   * @throws {@link ProblemException} PERSONAL_DATA_NOT_FOUND (also after erasure), CATEGORY_FORBIDDEN.
   */
  async read(client: AuthenticatedClient, ref: string, purpose: string): Promise<RecordValue> {
    const row = await this.#record(ref);
    await this.#requireReadable(client, row.category, 'read', purpose, row);
    const { salt: _salt, ...view } = this.#open(row, await this.#subject(row.subjectId));
    await this.#append([this.#entry(client, 'read', purpose, row, 'ok')]);
    return view;
  }

  /** Everything held about a subject, with the access log about it (Art. 15 and 20). */
  async export(client: AuthenticatedClient, subjectId: string, purpose: string): Promise<SubjectExport> {
    const subject = await this.#subject(subjectId);
    const records = (await this.repo.recordsOf(subjectId)).map((r) => this.#open(r, subject));
    await this.#append([this.#entry(client, 'export', purpose, { subjectId }, 'ok')]);
    return {
      subjectId,
      controllerOrg: client.mspId,
      exportedAt: iso(this.#now()),
      createdAt: iso(subject.createdAt),
      commitmentScheme: `hex(HMAC-SHA256(key = hex-decoded salt, message = "${COMMITMENT_SCHEME}\\n" + ref + "\\n" + category + "\\n" + value))`,
      records,
      accessLog: await this.#accessLogOf(subject, records),
    };
  }

  /**
   * Rectifies a record (Art. 16): a new salt and commitment go on the ledger first (the asset's
   * history shows a new commitment, never a value), then the store is updated.
   */
  async rectify(
    client: AuthenticatedClient,
    ref: string,
    value: string,
    purpose: string,
  ): Promise<{ record: RecordSummary; txId: string; blockNumber: number }> {
    const row = await this.#record(ref);
    await this.#requireReadable(client, row.category, 'rectify', purpose, row);
    const checked = checkValue(row.category, value);
    if (!checked.ok) throw invalidValue(checked.message, 'value');
    const dataKey = this.#dataKey(await this.#subject(row.subjectId));
    const salt = newSalt();
    const next = {
      sealed: sealRecord(dataKey, row, checked.value, salt),
      commitment: commitment(row.ref, row.category, checked.value, salt),
      updatedAt: this.#now(),
    };
    // Stage, write the ledger, promote: the store never holds a value whose commitment the ledger
    // lacks, and a second rectification of the same record meanwhile is refused before it reaches
    // the ledger (the two ledger writes could otherwise commit in the other order). A staging left
    // by a request that is over is settled first, by its own transaction's commit status.
    const earlier = await this.repo.staged(row.ref);
    if (earlier && (await this.#settleStaged(client, earlier)) !== 'waiting') {
      throw new ProblemException(
        'PERSONAL_DATA_CONFLICT',
        'an earlier rectification of this record was settled meanwhile; read it and retry',
      );
    }
    const staged = await this.repo.stageRectification(
      row.ref,
      row.version,
      next,
      next.updatedAt,
      this.recovery.owner,
    );
    if (!staged) {
      await this.#append([this.#entry(client, 'rectify', purpose, row, 'failed')]);
      throw new ProblemException(
        'PERSONAL_DATA_CONFLICT',
        'the record changed, was erased or is being rectified; read it and retry',
      );
    }
    let receipt;
    let submitted = false;
    try {
      receipt = await watchSubmissions(
        async (txId) => {
          await this.repo.recordRectificationTx(row.ref, next.commitment, txId, this.#now());
          submitted = true;
        },
        () =>
          this.ledger.upsertRef(client, row.assetId, {
            ref: row.ref,
            commitment: next.commitment,
            category: row.category,
          }),
      );
    } catch (err) {
      if (submitted && !outcomeKnown(err)) {
        await this.repo.abandonRectification(row.ref, next.commitment);
      } else {
        await this.repo.dropRectification(row.ref, next.commitment);
        await this.#append([this.#entry(client, 'rectify', purpose, row, 'failed')]);
      }
      throw err;
    }
    const replaced = await this.repo.db.transaction(async (tx) => {
      const ok = await this.repo.promoteRectification(
        row.ref,
        row.version,
        next.commitment,
        next.updatedAt,
        tx,
      );
      await this.#append(
        [this.#entry(client, 'rectify', purpose, row, ok ? 'ok' : 'failed', next.updatedAt)],
        tx,
      );
      return ok;
    });
    if (!replaced) {
      // Only an erasure can remove the staged row meanwhile: the data is gone, as asked.
      throw new ProblemException('PERSONAL_DATA_CONFLICT', 'the record was erased meanwhile');
    }
    return {
      record: {
        ...summary(row),
        commitment: next.commitment,
        version: row.version + 1,
        updatedAt: iso(next.updatedAt),
      },
      ...receipt,
    };
  }

  /**
   * Settles what requests that are over left unfinished (the settler's run; docs/privacy.md,
   * "Unknown outcomes"): records whose first ledger write has no known outcome, and staged
   * rectifications. Each is resolved by its own transaction's commit status: committed valid → kept
   * (promoted); committed invalid, or never sent to the orderer, or unknown to the ledger past the
   * commit window → removed (dropped). A write whose process may still be running it is left alone.
   * `client` is the system identity.
   */
  async settleUnfinished(client: AuthenticatedClient): Promise<SettleReport> {
    const report = { settled: 0, discarded: 0, promoted: 0, dropped: 0, waiting: 0 };
    const unsettled = await this.repo.unsettledRecords(SETTLE_BATCH);
    const byTx = new Map<string, UnsettledRecord[]>();
    for (const r of unsettled) {
      const key = `${r.txId ?? `none:${r.ref}`}`;
      byTx.set(key, [...(byTx.get(key) ?? []), r]);
    }
    for (const group of byTx.values()) {
      const outcome = await this.#settleRecords(client, group);
      if (outcome === 'settled') report.settled += group.length;
      else if (outcome === 'discarded') report.discarded += group.length;
      else report.waiting += group.length;
    }
    for (const staged of await this.repo.stagedRectifications(SETTLE_BATCH)) {
      const outcome = await this.#settleStaged(client, staged);
      if (outcome === 'promoted') report.promoted += 1;
      else if (outcome === 'dropped') report.dropped += 1;
      else report.waiting += 1;
    }
    return report;
  }

  async #settleRecords(
    client: AuthenticatedClient,
    group: readonly UnsettledRecord[],
  ): Promise<'settled' | 'discarded' | 'waiting'> {
    const [first] = group;
    if (!first) return 'waiting';
    const verdict = await this.#verdict(client, first);
    if (verdict === 'committed') {
      await this.repo.settleRecords(
        group.map((r) => r.ref),
        first.txId ?? undefined,
      );
      return 'settled';
    }
    if (verdict === 'no-effect') {
      await this.#discard(systemAudit(client), 'unknown outcome settled', group);
      return 'discarded';
    }
    return 'waiting';
  }

  async #settleStaged(
    client: AuthenticatedClient,
    staged: StagedRectification,
  ): Promise<'promoted' | 'dropped' | 'waiting'> {
    const verdict = await this.#verdict(client, staged);
    if (verdict === 'committed') {
      return (await this.repo.promoteRectification(
        staged.ref,
        staged.version,
        staged.commitment,
        this.#now(),
      ))
        ? 'promoted'
        : 'waiting';
    }
    if (verdict === 'no-effect') {
      return (await this.repo.dropRectification(staged.ref, staged.commitment)) ? 'dropped' : 'waiting';
    }
    return 'waiting';
  }

  /** What became of an unfinished write: by its transaction's commit status, never by a guess. */
  async #verdict(
    client: AuthenticatedClient,
    w: { readonly since: number; readonly txId: string | null; readonly owner: string | null },
  ): Promise<'committed' | 'no-effect' | 'unknown'> {
    const now = this.#now();
    const over =
      w.owner === ABANDONED ||
      w.since < now - this.recovery.writeBoundMs ||
      !(await this.recovery.alive(w.owner));
    if (!over) return 'unknown';
    // No transaction ID: its request never sent one to the orderer (it is recorded before).
    if (w.txId === null) return 'no-effect';
    const status = await this.ledger.transactionStatus(client, w.txId, SETTLE_STATUS_WAIT_MS);
    if (status.committed) return status.successful ? 'committed' : 'no-effect';
    return w.since < now - this.recovery.commitWindowMs ? 'no-effect' : 'unknown';
  }

  /**
   * Erases a data subject (Art. 17): in one transaction the records (values and salts) and the
   * subject's data key are deleted and their references queued for the ledger; then each reference
   * is marked erased on the ledger (`PersonalDataRefErased` event). A reference the ledger cannot
   * mark now stays queued and is retried by the retention job; the data is gone either way.
   */
  async eraseSubject(
    client: AuthenticatedClient,
    subjectId: string,
    purpose: string,
  ): Promise<ErasureReport> {
    const at = this.#now();
    const erased = await this.repo.db.transaction(async (tx) => {
      const subject = await this.repo.subject(subjectId, tx);
      if (!subject) return undefined;
      // The subject's pseudonym key dies with its data key: the access log's entries about it can
      // no longer be tied to it, nor its records to their assets.
      const known = new Map([[subjectId, this.#pseudonymKey(subject)]]);
      const records = await this.repo.recordsOf(subjectId, tx);
      await this.repo.eraseRecords(records, at, tx);
      await this.repo.deleteSubject(subjectId, tx);
      await this.#append(
        [
          ...records.map((r) => this.#entry(client, 'erase', purpose, r, 'ok', at)),
          this.#entry(client, 'erase', purpose, { subjectId }, 'ok', at),
        ],
        tx,
        known,
      );
      return records;
    });
    if (!erased) throw notFound('data subject');
    await this.repo.compact();
    return {
      subjectId,
      erasedAt: iso(at),
      recordsErased: erased.length,
      ledger: await this.#eraseOnLedger(
        client,
        await this.repo.ledgerErasuresOf(erased.map((r) => r.ref)),
        purpose,
      ),
      backups: await this.#backupBound(),
    };
  }

  /** Checks a record someone was given against the commitment on the ledger. */
  async verify(
    client: AuthenticatedClient,
    input: { assetId: string; ref: string; category: PersonalDataCategory; value: string; salt: string },
  ): Promise<VerifyResult> {
    const onLedger = await this.ledger.findRef(client, input.assetId, input.ref);
    if (!onLedger) {
      throw new ProblemException(
        'PERSONAL_DATA_REF_NOT_FOUND',
        `asset '${input.assetId}' has no such personal-data reference`,
      );
    }
    const base = { assetId: input.assetId, ref: input.ref };
    if (onLedger.commitment === null || onLedger.erasedAt !== null)
      return { ...base, status: 'erased', matches: false };
    const matches =
      onLedger.category === input.category &&
      commitmentMatches(onLedger.commitment, input.ref, input.category, input.value, input.salt);
    return { ...base, status: matches ? 'match' : 'mismatch', matches };
  }

  /**
   * Erases records whose retention period has ended, then retries ledger erasures still queued.
   * `client` is the system identity (WAYBILL_PD_SYSTEM_IDENTITY).
   */
  async runRetention(client: AuthenticatedClient): Promise<RetentionReport> {
    let recordsErased = 0;
    for (;;) {
      const at = this.#now();
      const expired = await this.repo.expired(at, RETENTION_BATCH);
      if (expired.length === 0) break;
      await this.repo.db.transaction(async (tx) => {
        await this.repo.eraseRecords(expired, at, tx);
        await this.#append(
          expired.map((r) => this.#entry(client, 'retention-erase', 'retention period ended', r, 'ok', at)),
          tx,
        );
      });
      recordsErased += expired.length;
      if (expired.length < RETENTION_BATCH) break;
    }
    if (recordsErased > 0) await this.repo.compact();
    const pending = await this.repo.pendingLedgerErasures(LEDGER_ERASURE_BATCH);
    return { recordsErased, ledger: await this.#eraseOnLedger(client, pending, 'retention period ended') };
  }

  /**
   * Pseudonymises access-log entries written in clear by an older version (run at start): those of
   * a live subject under its pseudonym key, those of an erased subject under a key nobody keeps.
   * @returns how many entries were rewritten.
   */
  async pseudonymiseLegacyAccessLog(): Promise<number> {
    let n = 0;
    for (const { subjectId, entries } of await this.log.clearSubjectEntries()) {
      const subject = await this.repo.subject(subjectId);
      const key = subject ? this.#pseudonymKey(subject) : randomKey();
      for (const e of entries) {
        n += await this.log.rewrite(e.seq, subjectId, {
          subjectId: pseudonym(key, 'subject', subjectId),
          ref: e.ref === null ? null : pseudonym(key, 'ref', e.ref),
          assetId: e.assetId === null ? null : pseudonym(key, 'asset', e.assetId),
        });
      }
    }
    return n;
  }

  /** One page of the access log, oldest first, after sequence number `after`. */
  accessLog(after: number, limit: number): Promise<AccessLogRecord[]> {
    return this.log.list(after, limit);
  }

  // ------------------------------------------------------------------ internals

  async #eraseOnLedger(
    client: AuthenticatedClient,
    items: readonly LedgerErasure[],
    purpose: string,
  ): Promise<LedgerErasureResult[]> {
    const results: LedgerErasureResult[] = [];
    for (const { ref, assetId, awaitingCommitSince } of items) {
      let result: LedgerErasureResult;
      try {
        const receipt = await this.ledger.eraseRef(client, assetId, ref);
        result = { ref, assetId, status: 'erased', txId: receipt.txId };
      } catch (err) {
        const code = err instanceof ChaincodeError ? err.code : undefined;
        // The ledger has nothing left to erase: the reference never got there, or is erased already.
        const mayStillCommit =
          awaitingCommitSince !== undefined && awaitingCommitSince > this.#now() - this.recovery.commitWindowMs;
        if ((code === 'PERSONAL_DATA_REF_NOT_FOUND' || code === 'ASSET_NOT_FOUND') && mayStillCommit) {
          // Its record was erased while its own write's outcome was unknown: the reference may yet
          // reach the ledger, and must then be erased there too. Retried by the retention job.
          await this.repo.ledgerErasureFailed(ref, code);
          results.push({ ref, assetId, status: 'pending', txId: null });
          continue;
        } else if (code === 'PERSONAL_DATA_REF_NOT_FOUND' || code === 'ASSET_NOT_FOUND') {
          result = { ref, assetId, status: 'not-on-ledger', txId: null };
        } else if (code === 'CONFLICT') {
          result = { ref, assetId, status: 'already-erased', txId: null };
        } else {
          await this.repo.ledgerErasureFailed(ref, code ?? (err instanceof Error ? err.name : 'error'));
          results.push({ ref, assetId, status: 'pending', txId: null });
          continue;
        }
      }
      await this.repo.ledgerErasureDone(ref, this.#now(), result.txId, result.status);
      await this.#append([this.#entry(client, 'ledger-erase', purpose, { ref, assetId }, 'ok')]);
      results.push(result);
    }
    return results;
  }

  /**
   * Appends access-log entries with their subject, reference and asset pseudonymised under the
   * subject's pseudonym key (see {@link #pseudonymKey}); entries about no subject stay as they are.
   */
  async #append(
    entries: readonly AccessLogEntry[],
    tx?: SqlExecutor,
    known: Map<string, Buffer> = new Map(),
  ): Promise<void> {
    const out: AccessLogEntry[] = [];
    for (const e of entries) {
      if (e.subjectId === null) {
        out.push(e);
        continue;
      }
      let key = known.get(e.subjectId);
      if (!key) {
        const subject = await this.repo.subject(e.subjectId, tx);
        key = subject ? this.#pseudonymKey(subject) : randomKey();
        known.set(e.subjectId, key);
      }
      out.push({
        ...e,
        subjectId: pseudonym(key, 'subject', e.subjectId),
        ref: e.ref === null ? null : pseudonym(key, 'ref', e.ref),
        assetId: e.assetId === null ? null : pseudonym(key, 'asset', e.assetId),
      });
    }
    await this.log.append(out, tx);
  }

  /**
   * A subject's pseudonym key: derived (HKDF) from its data key, so it exists exactly as long as the
   * subject's data does — erasure destroys it (crypto-shredding of the access log's links).
   */
  #pseudonymKey(subject: SubjectRow): Buffer {
    return Buffer.from(hkdfSync('sha256', this.#dataKey(subject), Buffer.alloc(0), PSEUDONYM_INFO, 32));
  }

  /** The access log about a subject, its pseudonyms resolved back for the subject's own records. */
  async #accessLogOf(subject: SubjectRow, records: readonly RecordView[]): Promise<AccessLogRecord[]> {
    const key = this.#pseudonymKey(subject);
    const names = new Map<string, string>([
      [pseudonym(key, 'subject', subject.subjectId), subject.subjectId],
    ]);
    for (const r of records) {
      names.set(pseudonym(key, 'ref', r.ref), r.ref);
      names.set(pseudonym(key, 'asset', r.assetId), r.assetId);
    }
    const entries = await this.log.forSubject(pseudonym(key, 'subject', subject.subjectId));
    const resolve = (v: string | null) => (v === null ? null : (names.get(v) ?? v));
    return entries.map((e) => ({
      ...e,
      subjectId: resolve(e.subjectId),
      ref: resolve(e.ref),
      assetId: resolve(e.assetId),
    }));
  }

  /** What the erasure answer says about backups taken before it (docs/privacy.md). */
  async #backupBound(): Promise<BackupBound> {
    const next = await this.kekSchedule();
    return next === null
      ? {
          readableUntil: null,
          detail:
            'no scheduled key-encryption-key rotation: database backups taken before this erasure still open with the current key-encryption key until it is rotated and destroyed',
        }
      : {
          readableUntil: iso(next),
          detail: `database backups taken before this erasure hold the subject's data key wrapped under the current key-encryption key; the scheduled rotation destroys that key by ${iso(next)}, after which they no longer open`,
        };
  }

  async #requireReadable(
    client: AuthenticatedClient,
    category: PersonalDataCategory,
    action: AccessAction,
    purpose: string,
    about: { subjectId?: string; ref?: string; assetId?: string },
  ): Promise<void> {
    if (this.policy.readRoles[category].includes(client.role)) return;
    await this.#append([this.#entry(client, action, purpose, { ...about, category }, 'denied')]);
    throw new ProblemException(
      'CATEGORY_FORBIDDEN',
      `role ${client.role} may not access personal data of category ${category}`,
    );
  }

  async #subject(subjectId: string): Promise<SubjectRow> {
    const subject = await this.repo.subject(subjectId);
    if (!subject) throw notFound('data subject');
    return subject;
  }

  async #record(ref: string): Promise<RecordRow> {
    const row = await this.repo.record(ref);
    if (!row) throw notFound('personal-data record');
    return row;
  }

  #dataKey(subject: SubjectRow): Buffer {
    return this.keys.unwrap(subject.wrappedKey, subject.kekId, subject.subjectId);
  }

  #open(row: RecordRow, subject: SubjectRow): RecordView {
    const payload = open(this.#dataKey(subject), row.sealed, recordContext(row));
    const parsed = JSON.parse(payload.toString('utf8')) as { v?: unknown; s?: unknown };
    if (typeof parsed.v !== 'string' || typeof parsed.s !== 'string') {
      throw new SealError('a sealed record has an unexpected shape');
    }
    return { ...summary(row), value: parsed.v, salt: parsed.s };
  }

  #entry(
    client: AuthenticatedClient,
    action: AccessAction,
    purpose: string,
    about: { subjectId?: string; ref?: string; assetId?: string; category?: string },
    outcome: AccessLogEntry['outcome'],
    at = this.#now(),
  ): AccessLogEntry {
    return {
      at,
      actorKeyId: client.keyId,
      actorIdentity: client.identityId,
      actorRole: client.role,
      action,
      purpose,
      subjectId: about.subjectId ?? null,
      ref: about.ref ?? null,
      assetId: about.assetId ?? null,
      category: about.category ?? null,
      outcome,
    };
  }
}

const PSEUDONYM_INFO = 'waybill:pd:access-log-pseudonyms:v1';

/** An access-log pseudonym: HMAC of kind and id under a subject's pseudonym key. */
function pseudonym(key: Buffer, kind: 'subject' | 'ref' | 'asset', id: string): string {
  return `ps_${createHmac('sha256', key).update(`${kind}\n${id}`).digest('hex').slice(0, 32)}`;
}

/** A key nobody keeps: pseudonymises an entry whose subject is already gone. */
function randomKey(): Buffer {
  return Buffer.from(hkdfSync('sha256', randomUUID(), Buffer.alloc(0), PSEUDONYM_INFO, 32));
}

/** The settler's entries in the access log name it as the actor. */
function systemAudit(client: AuthenticatedClient): AuthenticatedClient {
  return { ...client, keyId: 'system:settler', name: 'settler' };
}

/** The authenticated context of a sealed record: moving it to another row makes it fail to open. */
function recordContext(r: { ref: string; subjectId: string; category: string }): string {
  return `waybill:pd:record:${r.ref}:${r.subjectId}:${r.category}`;
}

function sealRecord(
  dataKey: Buffer,
  r: { ref: string; subjectId: string; category: string },
  value: string,
  salt: string,
): string {
  return seal(dataKey, Buffer.from(JSON.stringify({ v: value, s: salt }), 'utf8'), recordContext(r));
}

function summary(r: RecordRow): RecordSummary {
  return {
    ref: r.ref,
    subjectId: r.subjectId,
    assetId: r.assetId,
    category: r.category,
    commitment: r.commitment,
    version: r.version,
    createdAt: iso(r.createdAt),
    updatedAt: iso(r.updatedAt),
    expiresAt: iso(r.expiresAt),
  };
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function notFound(what: string): ProblemException {
  return new ProblemException('PERSONAL_DATA_NOT_FOUND', `no such ${what} (or it was erased)`);
}

function invalidValue(message: string, field: string): ProblemException {
  return new ProblemException('VALIDATION_FAILED', 'the personal value is invalid', {
    errors: [{ field, message }],
  });
}
