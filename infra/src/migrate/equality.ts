import { createHash } from 'node:crypto';
import { canonical, compareRecords } from './records';
import type { LedgerReader } from './reader';

/** Per kind: how many records each side holds and which differ. */
export interface KindEquality {
  readonly source: number;
  readonly target: number;
  readonly equal: number;
  /** Ids whose value (or key-level policy) differs. */
  readonly different: readonly string[];
  /** Ids only on the source. */
  readonly missing: readonly string[];
  /** Ids only on the target. */
  readonly extra: readonly string[];
}

/** World-state equality of two networks, per record hash. */
export interface Equality {
  readonly equal: boolean;
  readonly asset: KindEquality;
  readonly recall: KindEquality;
}

const MAX_IDS = 50;

/**
 * Compares the world state of the source and the target record by record: the SHA-256 of each
 * asset's canonical JSON with its key-level policy, and of each recall, joined by id.
 * Streams both sides a page at a time.
 */
export async function compareWorldStates(source: LedgerReader, target: LedgerReader, pageSize = 100): Promise<Equality> {
  const asset = await compareKind(pages(source, 'asset', pageSize), pages(target, 'asset', pageSize));
  const recall = await compareKind(pages(source, 'recall', pageSize), pages(target, 'recall', pageSize));
  const clean = (k: KindEquality): boolean => k.different.length + k.missing.length + k.extra.length === 0 && k.source === k.target;
  return { equal: clean(asset) && clean(recall), asset, recall };
}

/** Hash of one asset as the equality check sees it. */
export function assetHash(value: unknown): string {
  return createHash('sha256').update(canonical(value)).digest('hex');
}

async function* pages(reader: LedgerReader, kind: 'asset' | 'recall', pageSize: number): AsyncGenerator<{ kind: string; id: string; hash: string }> {
  let bookmark = '';
  do {
    if (kind === 'asset') {
      const page = await reader.exportAssets(pageSize, bookmark);
      for (const r of page.records) yield { kind, id: r.asset.id, hash: assetHash(r) };
      bookmark = page.bookmark;
    } else {
      const page = await reader.exportRecalls(pageSize, bookmark);
      for (const r of page.records) yield { kind, id: r.recallId, hash: assetHash(r) };
      bookmark = page.bookmark;
    }
  } while (bookmark !== '');
}

async function compareKind(
  source: AsyncGenerator<{ kind: string; id: string; hash: string }>,
  target: AsyncGenerator<{ kind: string; id: string; hash: string }>,
): Promise<KindEquality> {
  let s = await source.next();
  let t = await target.next();
  let sourceCount = 0;
  let targetCount = 0;
  let equal = 0;
  const different: string[] = [];
  const missing: string[] = [];
  const extra: string[] = [];
  const push = (list: string[], id: string): void => {
    if (list.length < MAX_IDS) list.push(id);
  };
  while (s.done !== true || t.done !== true) {
    const order = s.done === true ? 1 : t.done === true ? -1 : compareRecords(s.value, t.value);
    if (order < 0 && s.done !== true) {
      push(missing, s.value.id);
      sourceCount += 1;
      s = await source.next();
    } else if (order > 0 && t.done !== true) {
      push(extra, t.value.id);
      targetCount += 1;
      t = await target.next();
    } else if (s.done !== true && t.done !== true) {
      if (s.value.hash === t.value.hash) equal += 1;
      else push(different, s.value.id);
      sourceCount += 1;
      targetCount += 1;
      s = await source.next();
      t = await target.next();
    }
  }
  return { source: sourceCount, target: targetCount, equal, different, missing, extra };
}
