import { LedgerTimeoutError } from './ledger.errors';

/** How {@link awaitCommit} waits. */
export interface CommitWaitOptions {
  /** The whole wait: after this long without a commit the last timeout is thrown. */
  readonly deadlineMs: number;
  /** Re-send the transaction after this long without its commit, and again at each interval; 0: never. */
  readonly resendAfterMs: number;
  readonly now?: () => number;
}

/** What {@link awaitCommit} gives back: the commit status, and how often the transaction was re-sent. */
export interface CommitWaitResult<S> {
  readonly status: S;
  readonly resends: number;
}

/**
 * Waits for a submitted transaction's commit, sending the same signed transaction to the ordering
 * service again each time `resendAfterMs` passes without it, until `deadlineMs`.
 *
 * Why: an orderer's "accepted" (broadcast SUCCESS) is not a promise that the transaction will be
 * ordered. A Raft leader cut off from the others (or a follower that forwarded to it) drops what
 * it had not yet replicated, and the peer then waits for a commit that never comes — the client
 * learned nothing for the whole commit deadline. Re-sending the *same* envelope is safe: a
 * transaction ID commits valid at most once (a second copy that reaches a block is marked
 * `DUPLICATE_TXID` and changes nothing), and the peer's commit status is that of the first copy
 * in the ledger. It is never a new transaction: that is the caller's decision, on a definite answer.
 *
 * `getStatus(waitMs)` must wait up to `waitMs` and throw a {@link LedgerTimeoutError} when the
 * transaction has not committed by then (any other error ends the wait). A failed re-send is not
 * an answer either (the first copy may still commit): the wait goes on.
 *
 * @throws the last {@link LedgerTimeoutError} at the deadline, or what `getStatus` threw otherwise.
 */
export async function awaitCommit<S>(
  getStatus: (waitMs: number) => Promise<S>,
  resend: () => Promise<void>,
  options: Readonly<CommitWaitOptions>,
): Promise<CommitWaitResult<S>> {
  const now = options.now ?? Date.now;
  const end = now() + options.deadlineMs;
  const every = options.resendAfterMs > 0 ? options.resendAfterMs : Number.POSITIVE_INFINITY;
  let resends = 0;
  for (;;) {
    const left = end - now();
    const waitMs = Math.max(1, Math.min(every, left));
    try {
      return { status: await getStatus(waitMs), resends };
    } catch (err) {
      if (!(err instanceof LedgerTimeoutError) || waitMs >= left) throw err;
    }
    resends++;
    await resend().catch(() => undefined);
  }
}
