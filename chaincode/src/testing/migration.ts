import type { AssetHistory } from '../domain/asset';
import { canonicalJson } from '../domain/canonical-json';
import { MerkleLevels, leafHash } from '../migration/merkle';
import type { AssetExportPage, ImportEntry, MigrationRecord, Provenance, RecallExportPage } from '../migration/records';
import { ACTORS } from './fixtures';
import type { ContractHarness } from './contract-harness';

/** Provenance made up for unit tests (the real one comes from the source's blocks). */
export function fakeProvenance(txId: string): Provenance {
  return { channel: 'supplychain', blockNumber: 7, txId, blockHash: 'ab'.repeat(32) };
}

/** Exports a harness's ledger the way `waybill migrate export` does, through the contract's queries. */
export async function exportLedger(h: ContractHarness, pageSize = 2): Promise<MigrationRecord[]> {
  const records: MigrationRecord[] = [];
  let bookmark = '';
  do {
    const page = await h.evaluate<AssetExportPage>(ACTORS.auditor, 'exportAssets', [pageSize, bookmark]);
    for (const { asset, endorsement } of page.records) {
      const history = await h.evaluate<AssetHistory>(ACTORS.auditor, 'getAssetHistory', [asset.id]);
      records.push({
        kind: 'asset',
        index: records.length,
        id: asset.id,
        asset: asset,
        endorsement,
        history: history.entries,
        historyTruncated: history.truncated,
        // The transaction that last wrote the key on this ledger (on a migrated ledger: the import).
        provenance: fakeProvenance(history.entries[0]?.txId ?? asset.updatedTxId),
      });
    }
    bookmark = page.bookmark;
  } while (bookmark !== '');
  do {
    const page = await h.evaluate<RecallExportPage>(ACTORS.auditor, 'exportRecalls', [pageSize, bookmark]);
    for (const [i, recall] of page.records.entries()) {
      const lastTxId = page.lastTxIds?.[i] ?? recall.updatedTxId;
      records.push({ kind: 'recall', index: records.length, id: recall.recallId, recall: recall, provenance: fakeProvenance(lastTxId) });
    }
    bookmark = page.bookmark;
  } while (bookmark !== '');
  return records;
}

/** Canonical lines, the tree over them and import entries with their proofs. */
export function treeOf(records: readonly MigrationRecord[]): { lines: string[]; tree: MerkleLevels; root: string; entries: ImportEntry[] } {
  const lines = records.map((r) => canonicalJson(r));
  const tree = new MerkleLevels(Buffer.concat(lines.map((l) => leafHash(l))));
  const entries = lines.map((record, i) => ({ record, proof: tree.proof(i).map((p) => p.toString('hex')) }));
  return { lines, tree, root: tree.root().toString('hex'), entries };
}
