import type { TransactionName } from '@waybill/chaincode/constants';
import type { JsonBytes, WriteMode, WriteOutcome } from '../common/write-outcome';
import type { AuthenticatedClient } from '../common/client';
import { announceSubmission } from '../common/submissions';
import type { MetricsService } from '../metrics/metrics.service';
import { ChaincodeError, EndorsementError, LedgerError, TransactionConflictError, TransactionInvalidError } from './ledger.errors';
import type { LedgerPort, TransactionStatus } from './ledger.port';

/** What to submit for one attempt; computed again for every attempt (state may have moved). */
export interface SubmitPlan {
  readonly args: readonly string[];
  readonly transient?: Readonly<Record<string, string | Uint8Array>>;
  readonly endorsingOrganizations?: readonly string[];
}

/** Retry policy for MVCC/phantom read conflicts. */
export interface RetryPolicy {
  readonly maxAttempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

/** Records transaction IDs submitted asynchronously so their status can be told "pending". */
export interface SubmittedTransactionLog {
  record(txId: string, clientKeyId: string, transaction: string): Promise<void>;
}

/** Test seams: randomness and waiting. */
export interface LedgerServiceClock {
  readonly random: () => number;
  readonly sleep: (ms: number) => Promise<void>;
}

/** Injection token of the {@link LedgerServiceClock} (tests make retries instant). */
export const LEDGER_CLOCK = Symbol('LEDGER_CLOCK');

const realClock: LedgerServiceClock = {
  random: Math.random,
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

const decoder = new TextDecoder();

/**
 * The services' way to the ledger: JSON in and out, the client's identity, metrics per call, and
 * bounded retries of writes invalidated by a read conflict — each retry is a new transaction built
 * from a fresh plan, after an exponential backoff with full jitter.
 */
export class LedgerService {
  constructor(
    private readonly port: LedgerPort,
    private readonly metrics: MetricsService,
    private readonly retry: RetryPolicy,
    private readonly submittedLog: SubmittedTransactionLog,
    private readonly clock: LedgerServiceClock = realClock,
  ) {}

  /**
   * Evaluates a read-only transaction as the client's identity and parses its JSON answer.
   * @throws {@link LedgerError}
   */
  async evaluate<T>(
    client: AuthenticatedClient,
    transaction: TransactionName,
    args: readonly string[],
  ): Promise<T> {
    const bytes = await this.#timed('evaluate', transaction, () =>
      this.port.evaluate({ identity: client.identityId, transaction, args }),
    );
    return parse<T>(bytes);
  }

  /**
   * Evaluates a read-only transaction and returns the chaincode's JSON answer as it came, for
   * reads the API passes through unchanged: no parse and re-serialisation on the hot path.
   * @throws {@link LedgerError}
   */
  async evaluateJson<T>(
    client: AuthenticatedClient,
    transaction: TransactionName,
    args: readonly string[],
  ): Promise<JsonBytes<T>> {
    const bytes = await this.#timed('evaluate', transaction, () =>
      this.port.evaluate({ identity: client.identityId, transaction, args }),
    );
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  /**
   * Submits a transaction as the client's identity. In `sync` mode a read conflict is retried with
   * a new transaction (up to `maxAttempts` in all); in `async` mode there is one attempt and the
   * client polls the status.
   * @throws {@link LedgerError} — a `TransactionConflictError` after the last attempt carries `attempts`.
   */
  async submit<T>(
    client: AuthenticatedClient,
    transaction: TransactionName,
    plan: () => SubmitPlan | Promise<SubmitPlan>,
    mode: WriteMode = 'sync',
  ): Promise<WriteOutcome<T>> {
    if (mode === 'async') {
      const p = await plan();
      const submitted = await this.#timed('submit_async', transaction, () =>
        this.port.submitAsync({
          identity: client.identityId,
          transaction,
          ...p,
          beforeOrdering: announceSubmission,
        }),
      );
      await this.submittedLog.record(submitted.txId, client.keyId, transaction);
      return { mode: 'async', txId: submitted.txId, attempts: 1 };
    }
    for (let attempt = 1; ; attempt++) {
      const p = await plan();
      try {
        const committed = await this.#timed('submit', transaction, () =>
          this.port.submit({
            identity: client.identityId,
            transaction,
            ...p,
            beforeOrdering: announceSubmission,
          }),
        );
        if (committed.resends) this.metrics.ledgerResends.inc({ transaction }, committed.resends);
        return {
          mode: 'sync',
          txId: committed.txId,
          blockNumber: Number(committed.blockNumber),
          attempts: attempt,
          result: parse<T>(committed.result),
        };
      } catch (err) {
        const retryable =
          err instanceof TransactionConflictError ||
          refusedOnlyByStalePeers(err, client.mspId, p) ||
          endorsedByStaleHolders(err, p);
        if (!retryable) throw err;
        if (err instanceof TransactionConflictError) err.attempts = attempt;
        if (attempt >= this.retry.maxAttempts) throw err;
        this.metrics.ledgerRetries.inc({ transaction });
        await this.clock.sleep(this.backoff(attempt));
      }
    }
  }

  /**
   * The ledger's view of a transaction, waiting up to `waitMs` for its commit.
   * @throws {@link LedgerError}
   */
  transactionStatus(client: AuthenticatedClient, txId: string, waitMs: number): Promise<TransactionStatus> {
    return this.#timed('commit_status', 'status', () =>
      this.port.getTransactionStatus(client.identityId, txId, waitMs),
    );
  }

  /** Full-jitter exponential backoff before attempt `attempt + 1`. */
  backoff(attempt: number): number {
    const ceiling = Math.min(this.retry.maxDelayMs, this.retry.baseDelayMs * 2 ** (attempt - 1));
    return Math.floor(this.clock.random() * ceiling);
  }

  async #timed<T>(kind: string, transaction: string, call: () => Promise<T>): Promise<T> {
    const end = this.metrics.ledgerDuration.startTimer({ kind, transaction });
    try {
      const result = await call();
      end({ outcome: 'ok' });
      return result;
    } catch (err) {
      end({ outcome: err instanceof LedgerError ? err.kind : 'error' });
      throw err;
    }
  }
}

/**
 * Every organisation's peer pulls blocks from the orderers on its own, so another organisation's
 * peer may not yet have the block that our own peer just reported committed. Endorsing there runs
 * the chaincode on that peer's previous state: it may refuse (`FORBIDDEN`, `INVALID_TRANSITION`…)
 * or answer differently from our peer (mismatched endorsements). The chaincode is deterministic, so
 * when our own organisation's peer was asked too and only other organisations' peers refused, the
 * refusal is most likely stale state: worth a new transaction after a short wait. A refusal that our
 * own peer shares is final.
 */
export function refusedOnlyByStalePeers(err: unknown, ownMspId: string, plan: SubmitPlan): boolean {
  if (!(err instanceof ChaincodeError || err instanceof EndorsementError) || err.stage !== 'endorse') return false;
  const orgs = plan.endorsingOrganizations ?? [];
  if (!orgs.includes(ownMspId) || orgs.length < 2 || err.details.length === 0) return false;
  return err.details.every((d) => d.mspId !== '' && d.mspId !== ownMspId);
}

/**
 * The other half of stale state: the plan's endorsers were chosen from holders read on our own
 * peer before it had the block that changed them (another organisation's write we have not
 * received yet), so the transaction committed invalid with `ENDORSEMENT_POLICY_FAILURE` (the
 * asset's key-level policy names the new holder). It had no effect: a new transaction, planned
 * again from a fresh read, is safe. A plan without chosen endorsers is not retried.
 */
export function endorsedByStaleHolders(err: unknown, plan: SubmitPlan): boolean {
  return (
    err instanceof TransactionInvalidError &&
    err.validationCode === 'ENDORSEMENT_POLICY_FAILURE' &&
    (plan.endorsingOrganizations ?? []).length > 0
  );
}

/** Parses a chaincode answer; an empty answer is `undefined`. */
function parse<T>(bytes: Uint8Array): T {
  if (bytes.length === 0) return undefined as T;
  return JSON.parse(decoder.decode(bytes)) as T;
}
