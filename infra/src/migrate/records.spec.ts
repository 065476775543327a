import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { MigrationRecord } from '@waybill/chaincode/migration';
import { exportLedger } from './export-file';
import type { LedgerReader } from './reader';
import { ledgerRecords } from './records';
import { syntheticReader } from './synthetic';
import { verifyExport } from './verify';

const OPTS = { pageSize: 7, concurrency: 3 } as const;
const IMPORT_TX = 'cd'.repeat(32);

/**
 * A ledger filled by a migration (network B, about to move to network C): its recall's value,
 * updatedTxId included, is the first network's; the key was last written by B's import
 * transaction. B's peer knows only B's transactions. `lastTxIds` as its chaincode answers them
 * (undefined: a chaincode version before they were added).
 */
function migratedLedger(lastTxIds: string[] | undefined): LedgerReader {
  const ledger = syntheticReader(3);
  let sourceTxId = '';
  return {
    ...ledger,
    exportRecalls: async (pageSize, bookmark) => {
      const page = await ledger.exportRecalls(pageSize, bookmark);
      sourceTxId = page.records[0]?.updatedTxId ?? '';
      return lastTxIds === undefined ? page : { ...page, lastTxIds };
    },
    blockOf: (txId) =>
      txId === sourceTxId ? Promise.reject(new Error(`no such transaction ID [${txId}] in index`)) : ledger.blockOf(txId),
  };
}

async function recallOf(reader: LedgerReader): Promise<Extract<MigrationRecord, { kind: 'recall' }>> {
  const records: MigrationRecord[] = [];
  for await (const r of ledgerRecords(reader, OPTS)) records.push(r);
  const recall = records.find((r) => r.kind === 'recall');
  if (recall?.kind !== 'recall') throw new Error('no recall exported');
  return recall;
}

describe('recall provenance', () => {
  it("on a ledger filled by a migration: the import transaction that last wrote the key, not the record's updatedTxId; the export verifies", async () => {
    const reader = migratedLedger([IMPORT_TX]);
    const recall = await recallOf(reader);
    expect(recall.recall.updatedTxId).not.toBe(IMPORT_TX);
    expect(recall.provenance).toEqual({ channel: 'supplychain', ...(await reader.blockOf(IMPORT_TX)), txId: IMPORT_TX });

    const dir = mkdtempSync(path.join(tmpdir(), 'waybill-recall-'));
    try {
      const file = path.join(dir, 'again.ndjson');
      const summary = await exportLedger(reader, { file, ...OPTS });
      expect(summary.counts).toEqual({ asset: 3, recall: 1 });
      expect(await verifyExport(migratedLedger([IMPORT_TX]), file, OPTS)).toMatchObject({ ok: true, problems: [] });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("falls back to the record's updatedTxId when the chaincode does not answer lastTxIds (an earlier version)", async () => {
    const reader = syntheticReader(3);
    const recall = await recallOf(reader);
    expect(recall.provenance).toEqual({ channel: 'supplychain', ...(await reader.blockOf(recall.recall.updatedTxId)), txId: recall.recall.updatedTxId });
  });

  it('says what to do when an earlier chaincode on a migrated ledger names a transaction the ledger lacks', async () => {
    await expect(recallOf(migratedLedger(undefined))).rejects.toThrow(
      /^recall 'R-1': the block of its updatedTxId [0-9a-f]{64} could not be read \(no such transaction ID .*\); if this ledger was filled by a migration, upgrade its chaincode/,
    );
  });

  it('refuses a page whose lastTxIds do not match its records', async () => {
    await expect(recallOf(migratedLedger([]))).rejects.toThrow('exportRecalls answered 1 recalls but 0 last transaction IDs');
  });
});
