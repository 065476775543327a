import type { Asset, AssetHistoryEntry } from '../api/client';

const org = (msp: string) => msp.replace(/MSP$/, '');

/** What one version changed against the one before it, in words (the first version: created). */
export function changesOf(entry: AssetHistoryEntry, previous: AssetHistoryEntry | undefined): string[] {
  const now = entry.asset;
  const before = previous?.asset ?? null;
  if (entry.isDelete || !now) return ['deleted'];
  if (!before)
    return [
      `created by ${now.manufacturers.map(org).join(', ')} (${now.quantity.amount} ${now.quantity.unit})`,
    ];
  const out: string[] = [];
  if (now.status !== before.status) out.push(`status ${before.status} → ${now.status}`);
  if (now.custodian !== before.custodian)
    out.push(`custody ${org(before.custodian)} → ${org(now.custodian)}`);
  if (now.owner !== before.owner) out.push(`title ${org(before.owner)} → ${org(now.owner)}`);
  if (now.pendingHandover && !before.pendingHandover)
    out.push(`handover proposed to ${org(now.pendingHandover.to)}`);
  if (!now.pendingHandover && before.pendingHandover && now.custodian === before.custodian)
    out.push('handover withdrawn or rejected');
  if (now.pendingSale && !before.pendingSale) out.push(`sale offered to ${org(now.pendingSale.buyer)}`);
  if (!now.pendingSale && before.pendingSale && now.owner === before.owner)
    out.push('sale withdrawn or rejected');
  if (now.hold && !before.hold) out.push(`put on hold by ${org(now.hold.byOrg)}: ${now.hold.reason}`);
  if (!now.hold && before.hold) out.push('hold released');
  if (now.recall && !before.recall) out.push(`recalled (${now.recall.recallId})`);
  if (now.quantity.amount !== before.quantity.amount)
    out.push(`quantity ${before.quantity.amount} → ${now.quantity.amount} ${now.quantity.unit}`);
  const newChildren = now.children.filter((c) => !before.children.includes(c));
  if (newChildren.length > 0) out.push(`split into ${newChildren.join(', ')}`);
  for (const d of now.documents.filter((d) => !before.documents.some((b) => b.name === d.name)))
    out.push(`document ${d.name} added by ${org(d.addedByOrg)}`);
  const attrs = new Set([...Object.keys(now.attributes), ...Object.keys(before.attributes)]);
  const changedAttrs = [...attrs].filter((k) => now.attributes[k] !== before.attributes[k]);
  if (changedAttrs.length > 0) out.push(`attributes changed: ${changedAttrs.join(', ')}`);
  const refs = now.personalDataRefs.filter((r) => {
    const b = before.personalDataRefs.find((x) => x.ref === r.ref);
    return !b || b.updatedTxId !== r.updatedTxId;
  });
  if (refs.length > 0)
    out.push(`personal-data references updated (${refs.map((r) => r.category).join(', ')})`);
  return out.length > 0 ? out : ['updated'];
}

/** One organisation's spell of custody (or title), oldest first. */
export interface Holding {
  readonly org: string;
  readonly since: string;
  readonly txId: string;
  readonly until: string | null;
}

/** The custody chain (or the chain of title) from the history, oldest first. */
export function holdingsOf(entries: readonly AssetHistoryEntry[], field: 'custodian' | 'owner'): Holding[] {
  const chain: { org: string; since: string; txId: string }[] = [];
  for (const entry of [...entries].reverse()) {
    const asset: Asset | null = entry.asset;
    if (!asset) continue;
    if (chain.at(-1)?.org !== asset[field])
      chain.push({ org: asset[field], since: entry.timestamp, txId: entry.txId });
  }
  return chain.map((h, i) => ({ ...h, until: chain[i + 1]?.since ?? null }));
}
