import { EVENTS, IMPLICIT_COLLECTION_PREFIX, LEDGER_KEY_TYPES, compositeKey } from '@waybill/chaincode/constants';
import { assetIdsOf } from '../events/asset-ids';
import type { EventWrites } from '../events/event-attestation';

/**
 * The writes a genuine chaincode transaction makes alongside an event (the asset keys it names,
 * the recall record, the governance record, the organisation's implicit collection), for fakes
 * and tests that build blocks.
 */
export function attestingWrites(name: string, payload: unknown): EventWrites {
  let p: Record<string, unknown> = {};
  try {
    const value: unknown = payload instanceof Uint8Array ? JSON.parse(new TextDecoder().decode(payload)) : payload;
    if (typeof value === 'object' && value !== null) p = value as Record<string, unknown>;
  } catch {
    return { keys: [], collections: [] };
  }
  const keys = assetIdsOf(name, p).map((id) => compositeKey(LEDGER_KEY_TYPES.ASSET, [id]));
  if (typeof p['recallId'] === 'string') keys.push(compositeKey(LEDGER_KEY_TYPES.RECALL, [p['recallId']]));
  if (name === EVENTS.GOVERNANCE_CHANGED) keys.push(compositeKey(LEDGER_KEY_TYPES.GOVERNANCE, ['current']));
  const collections = typeof p['org'] === 'string' ? [`${IMPLICIT_COLLECTION_PREFIX}${p['org']}`] : [];
  return { keys: keys.sort(), collections };
}
