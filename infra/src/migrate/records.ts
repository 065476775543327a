import canonicalize from 'canonicalize';
import { RECORD_KINDS, type MigrationRecord, type Provenance, type RecordKind } from '@waybill/chaincode/migration';
import type { LedgerReader } from './reader';

/** Where a read of the ledger stands: the kind being paged and the bookmark of the next page. */
export interface Cursor {
  readonly kind: RecordKind | 'done';
  readonly bookmark: string;
}

/** The first cursor. */
export const START: Cursor = { kind: 'asset', bookmark: '' };

/** A record before it gets its position in the export. */
export type UnindexedRecord = MigrationRecord extends infer R ? (R extends MigrationRecord ? Omit<R, 'index'> : never) : never;

/** Options of {@link ledgerPages}. */
export interface PageOptions {
  /** Assets/recalls per page (at most the chaincode's `LIMITS.MAX_PAGE_SIZE`). */
  readonly pageSize: number;
  /** History and block look-ups in flight at once. */
  readonly concurrency: number;
}

/**
 * The ledger's records page by page (assets by id, then recalls by id), each page with the cursor
 * of the next one: every asset with its key-level policy and full history, every recall, each
 * with the provenance of its value (the block of the transaction that last wrote its key on this
 * ledger: on a ledger filled by a migration, the import transaction).
 * Memory holds one page.
 */
export async function* ledgerPages(
  reader: LedgerReader,
  from: Cursor,
  options: Readonly<PageOptions>,
): AsyncGenerator<{ readonly records: readonly UnindexedRecord[]; readonly next: Cursor }> {
  const blocks = new Map<string, Promise<Provenance>>();
  const provenance = (txId: string): Promise<Provenance> => {
    let p = blocks.get(txId);
    if (p === undefined) {
      p = reader.blockOf(txId).then((b) => ({ channel: reader.channel, blockNumber: b.blockNumber, txId, blockHash: b.blockHash }));
      blocks.set(txId, p);
      // A small cache: split and merge write several assets in one transaction.
      if (blocks.size > 512) blocks.delete(blocks.keys().next().value as string);
    }
    return p;
  };
  let cursor = from;
  while (cursor.kind !== 'done') {
    if (cursor.kind === 'asset') {
      const page = await reader.exportAssets(options.pageSize, cursor.bookmark);
      const records = await mapLimit(page.records, options.concurrency, async ({ asset, endorsement }): Promise<UnindexedRecord> => {
        const history = await reader.assetHistory(asset.id);
        const last = history.entries[0]?.txId ?? asset.updatedTxId;
        return {
          kind: 'asset',
          id: asset.id,
          asset,
          endorsement,
          history: history.entries,
          historyTruncated: history.truncated,
          provenance: await provenance(last),
        };
      });
      cursor = page.bookmark === '' ? { kind: 'recall', bookmark: '' } : { kind: 'asset', bookmark: page.bookmark };
      yield { records, next: cursor };
    } else {
      const page = await reader.exportRecalls(options.pageSize, cursor.bookmark);
      const { lastTxIds } = page;
      if (lastTxIds !== undefined && lastTxIds.length !== page.records.length) {
        throw new Error(`exportRecalls answered ${page.records.length} recalls but ${lastTxIds.length} last transaction IDs`);
      }
      const recalls = page.records.map((recall, i) => ({ recall, i }));
      const records = await mapLimit(recalls, options.concurrency, async ({ recall, i }): Promise<UnindexedRecord> => ({
        kind: 'recall',
        id: recall.recallId,
        recall,
        // The transaction that last wrote the recall's key on this ledger: on a ledger filled by a
        // migration, the import (the record's updatedTxId is the earlier network's, not on this
        // ledger). A chaincode older than `lastTxIds` (e.g. an AMB source still running an earlier
        // Waybill version) does not answer it: there updatedTxId is the last write, unless that
        // ledger was itself filled by a migration, which then has to upgrade its chaincode first.
        provenance: await provenance(lastTxIds?.[i] ?? recall.updatedTxId).catch((err: unknown) => {
          if (lastTxIds !== undefined) throw err;
          const reason = err instanceof Error ? err.message : String(err);
          throw new Error(
            `recall '${recall.recallId}': the block of its updatedTxId ${recall.updatedTxId} could not be read (${reason}); ` +
              'if this ledger was filled by a migration, upgrade its chaincode: exportRecalls then names the import transaction',
            { cause: err },
          );
        }),
      }));
      cursor = page.bookmark === '' ? { kind: 'done', bookmark: '' } : { kind: 'recall', bookmark: page.bookmark };
      yield { records, next: cursor };
    }
  }
}

/** The ledger's records one by one, indexed in export order. */
export async function* ledgerRecords(reader: LedgerReader, options: Readonly<PageOptions>): AsyncGenerator<MigrationRecord> {
  let index = 0;
  for await (const page of ledgerPages(reader, START, options)) {
    for (const record of page.records) yield { ...record, index: index++ };
  }
}

/** RFC 8785 (JCS) canonical JSON of a record: the exact bytes of its line and its Merkle leaf. */
export function canonical(value: unknown): string {
  const text = canonicalize(value);
  if (text === undefined) throw new TypeError('value has no JSON form');
  return text;
}

/** Sort key of a record: kind order, then id (the ledger's key order for these ASCII ids). */
export function compareRecords(a: { kind: string; id: string }, b: { kind: string; id: string }): number {
  const ka = RECORD_KINDS.indexOf(a.kind as RecordKind);
  const kb = RECORD_KINDS.indexOf(b.kind as RecordKind);
  if (ka !== kb) return ka - kb;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
