import {
  EVENTS,
  IMPLICIT_COLLECTION_PREFIX,
  LEDGER_KEY_TYPES,
  compositeKey,
} from '@waybill/chaincode/constants';
import { assetIdsOf } from './asset-ids';

/** What the emitting transaction wrote (see `LedgerBlockTransaction.chaincodeEvents`). */
export interface EventWrites {
  readonly keys: readonly string[];
  readonly collections: readonly string[];
}

/**
 * Whether a chaincode event is backed by the writes of the transaction that emitted it, so that
 * the policies protecting those writes also vouch for the event. Every organisation controls its
 * own peers and chaincode package: a transaction endorsed by one organisation alone can be valid
 * when it writes only what that organisation's policies allow (its own implicit collection, its
 * own assets), yet carry any event. So:
 * - an asset event counts only if the transaction wrote the key of every asset it names (the
 *   key-level policy of each requires its holders); a recall batch may instead name its root when
 *   it wrote the recall record (chaincode-level policy: a majority);
 * - `TermsAgreed`/`TermsPurged` speak for `org` only: the submitter must be `org` and the
 *   transaction must have written `org`'s implicit collection (whose policy is `org`'s peer);
 * - `GovernanceChanged` must have written a governance key (a majority's policies).
 * Anything else (unknown events, events without a JSON payload) is not attested.
 */
export function isAttested(name: string, payload: unknown, writes: EventWrites, creatorMspId: string | undefined): boolean {
  const p = (typeof payload === 'object' && payload !== null ? payload : undefined) as Record<string, unknown> | undefined;
  if (p === undefined) return false;
  const keys = new Set(writes.keys);
  if (name === EVENTS.GOVERNANCE_CHANGED) {
    return writes.keys.some((k) => k.startsWith(compositeKey(LEDGER_KEY_TYPES.GOVERNANCE, [])) || k.startsWith(compositeKey(LEDGER_KEY_TYPES.GOVERNANCE_APPROVAL, [])));
  }
  if (name === EVENTS.TERMS_AGREED || name === EVENTS.TERMS_PURGED) {
    const org = p['org'];
    return typeof org === 'string' && org === creatorMspId && writes.collections.includes(`${IMPLICIT_COLLECTION_PREFIX}${org}`);
  }
  if (!(Object.values(EVENTS) as string[]).includes(name)) return false;
  const written = (id: string): boolean => keys.has(compositeKey(LEDGER_KEY_TYPES.ASSET, [id]));
  const ids = assetIdsOf(name, p);
  if (ids.length === 0) return false;
  if (name === EVENTS.ASSET_RECALLED) {
    const recallId = p['recallId'];
    const recordWritten = typeof recallId === 'string' && keys.has(compositeKey(LEDGER_KEY_TYPES.RECALL, [recallId]));
    const marked = Array.isArray(p['markedAssetIds']) ? (p['markedAssetIds'] as unknown[]).filter((x): x is string => typeof x === 'string') : [];
    return recordWritten && marked.every(written);
  }
  return ids.every(written);
}
