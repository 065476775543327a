import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * Told a transaction ID after its endorsement and before it is sent to the orderer. It records
 * the ID durably (an idempotency record, a personal-data record) so that whoever finds the work
 * unfinished after a crash can settle it by the transaction's commit status instead of guessing.
 * Rejecting stops the submission: nothing is sent to the orderer.
 */
export type SubmissionObserver = (txId: string) => Promise<void>;

const observers = new AsyncLocalStorage<readonly SubmissionObserver[]>();

/**
 * Runs `work` with `observer` told of every transaction `work` submits (nested calls add their
 * observers to the outer ones: an idempotent request that writes personal data tells both).
 */
export function watchSubmissions<T>(observer: SubmissionObserver, work: () => Promise<T>): Promise<T> {
  return observers.run([...(observers.getStore() ?? []), observer], work);
}

/** Tells the observers of the current async context that `txId` is about to be ordered. */
export async function announceSubmission(txId: string): Promise<void> {
  for (const observer of observers.getStore() ?? []) await observer(txId);
}
