import type { Asset } from '../api/client';

/** An action a person can take on an asset from the console: the same API call as any client. */
export type ActionKind =
  'handover/accept' | 'handover/reject' | 'handover/cancel' | 'sale/accept' | 'sale/reject' | 'sale/cancel';

/** What waits for an organisation on one asset, and which actions it may try. */
export interface InboxItem {
  readonly asset: Asset;
  readonly what: string;
  readonly actions: readonly ActionKind[];
}

/**
 * The console offers the actions of the organisation's side (recipient: accept/reject; proposer:
 * cancel); whether this identity's role may take them is the ledger's decision, shown as a problem.
 */
export function inboxItemsOf(assets: readonly Asset[], mspId: string): InboxItem[] {
  const items: InboxItem[] = [];
  for (const asset of assets) {
    const h = asset.pendingHandover;
    if (h?.to === mspId)
      items.push({
        asset,
        what: `Handover proposed by ${h.from.replace(/MSP$/, '')}`,
        actions: ['handover/accept', 'handover/reject'],
      });
    else if (h?.from === mspId)
      items.push({
        asset,
        what: `Handover to ${h.to.replace(/MSP$/, '')} awaiting acceptance`,
        actions: ['handover/cancel'],
      });
    const s = asset.pendingSale;
    if (s?.buyer === mspId)
      items.push({
        asset,
        what: `Sale offered by ${s.seller.replace(/MSP$/, '')}`,
        actions: ['sale/accept', 'sale/reject'],
      });
    else if (s?.seller === mspId)
      items.push({
        asset,
        what: `Sale to ${s.buyer.replace(/MSP$/, '')} awaiting acceptance`,
        actions: ['sale/cancel'],
      });
    const ours = asset.custodian === mspId || asset.owner === mspId;
    if (ours && asset.recall) items.push({ asset, what: `Recalled (${asset.recall.recallId})`, actions: [] });
    else if (ours && asset.hold) items.push({ asset, what: `On hold: ${asset.hold.reason}`, actions: [] });
  }
  return items;
}
