import { EVENTS, majorityOf } from '../constants';
import type { Asset } from '../domain/asset';
import { canonicalJson } from '../domain/canonical-json';
import type { ImportProvenance, MigrationAttestation, MigrationImport, MigrationRecord, MigrationStatus, RecallExportPage } from '../migration/records';
import { ContractHarness } from '../testing/contract-harness';
import { ACTORS, GOVERNANCE_INPUT, MSP, assetInput, rejectionOf, sha } from '../testing/fixtures';
import { exportLedger, treeOf } from '../testing/migration';
import { assetKey } from './ledger-keys';

const { manufacturer, carrier, regulator, auditor, manufacturerAdmin, carrierAdmin, retailerAdmin, authorityAdmin } = ACTORS;
const MEMBERS = [...GOVERNANCE_INPUT.members];

/** A source ledger with every kind of record: plain, split, merged, pending handover, recalled. */
async function sourceLedger(): Promise<ContractHarness> {
  const h = new ContractHarness();
  for (const id of ['LOT-1', 'LOT-2', 'LOT-3', 'LOT-4']) {
    await h.submit(manufacturer, 'createAsset', [JSON.stringify(assetInput(id))]);
  }
  await h.submit(manufacturer, 'splitAsset', ['LOT-1', JSON.stringify({ parts: [{ id: 'LOT-1a', amount: 40 }, { id: 'LOT-1b', amount: 60 }] })]);
  await h.submit(manufacturer, 'mergeAssets', [JSON.stringify({ newAssetId: 'LOT-M', assetIds: ['LOT-2', 'LOT-3'], attributes: {} })]);
  await h.submit(manufacturer, 'proposeHandover', ['LOT-4', MSP.CARRIER]);
  await h.submit(regulator, 'recallAsset', ['LOT-1b', 'contamination found in sample']);
  return h;
}

function attestation(root: string, recordCount: number, exportSha256 = sha('e')): string {
  return JSON.stringify({ root, recordCount, exportSha256, sourceChannel: 'supplychain' });
}

async function attested(root: string, count: number, admins = [manufacturerAdmin, carrierAdmin, retailerAdmin]): Promise<ContractHarness> {
  const target = new ContractHarness();
  for (const admin of admins) await target.submit(admin, 'attestMigration', [attestation(root, count)]);
  return target;
}

const batch = (entries: readonly unknown[]): string => JSON.stringify({ records: entries });

describe('export queries', () => {
  it('page through every asset with its key-level policy, then every recall, in id order', async () => {
    const h = await sourceLedger();
    const records = await exportLedger(h, 2);
    expect(records.map((r) => `${r.kind}:${r.id}`)).toEqual([
      'asset:LOT-1', 'asset:LOT-1a', 'asset:LOT-1b', 'asset:LOT-2', 'asset:LOT-3', 'asset:LOT-4', 'asset:LOT-M', `recall:${records[7]?.id ?? ''}`,
    ]);
    const lot4 = records[5] as Extract<MigrationRecord, { kind: 'asset' }>;
    expect(lot4.endorsement).toEqual({ orgs: [MSP.MANUFACTURER], n: 1 });
    expect(lot4.asset.pendingHandover).toMatchObject({ to: MSP.CARRIER });
    expect(lot4.history).toHaveLength(2);
    expect(await h.evaluate(auditor, 'exportAssets', [100, ''])).toMatchObject({ bookmark: '' });
  });

  it('give each recall the transaction that last wrote its key on this ledger: on a migrated ledger the import, not the source\'s updatedTxId', async () => {
    const source = await sourceLedger();
    const onSource = await source.evaluate<RecallExportPage>(auditor, 'exportRecalls', [10, '']);
    expect(onSource.lastTxIds).toEqual(onSource.records.map((r) => r.updatedTxId));
    // Network B, filled by a migration; then exported again for network C.
    const records = await exportLedger(source);
    const { root, entries } = treeOf(records);
    const target = await attested(root, records.length);
    const first = await target.submit<MigrationImport>(manufacturerAdmin, 'importRecords', [root, batch(entries.slice(0, -1))]);
    const last = await target.submit<MigrationImport>(carrierAdmin, 'importRecords', [root, batch(entries.slice(-1))]);
    const onTarget = await target.evaluate<RecallExportPage>(auditor, 'exportRecalls', [10, '']);
    expect(onTarget.records).toEqual(onSource.records);
    expect(onTarget.lastTxIds).toEqual([last.txId]);
    expect(last.txId).not.toBe(onSource.records[0]?.updatedTxId);
    const again = await exportLedger(target);
    expect(again.map((r) => [r.id, r.provenance.txId])).toEqual(
      records.map((r) => [r.id, r.kind === 'recall' ? last.txId : first.txId]),
    );
    // A later write on B (a new recall) is its own last write.
    const progress = (await target.submit<{ recallId: string }>(regulator, 'recallAsset', ['LOT-4', 'label error'])).result;
    const after = await target.evaluate<RecallExportPage>(auditor, 'exportRecalls', [10, '']);
    const fresh = after.records.findIndex((r) => r.recallId === progress.recallId);
    expect(after.lastTxIds?.[fresh]).toBe(after.records[fresh]?.updatedTxId);
  });

  it('refuse a bad page size or a bookmark of another kind', async () => {
    const h = await sourceLedger();
    expect(await rejectionOf(h.evaluate(auditor, 'exportAssets', [0, '']))).toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect(await rejectionOf(h.evaluate(auditor, 'exportRecalls', [101, '']))).toMatchObject({ code: 'INVALID_ARGUMENT' });
    const bookmark = assetKey(h.ledger.newTransaction({ peerMspId: null }), 'LOT-1');
    expect(await rejectionOf(h.evaluate(auditor, 'exportRecalls', [10, bookmark]))).toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: 'INVALID_ARGUMENT: bookmark does not belong to this recall export',
    });
  });

  it('report an asset key without a key-level policy as a ledger inconsistency', async () => {
    const h = await sourceLedger();
    h.ledger.validationParameters.delete(assetKey(h.ledger.newTransaction({ peerMspId: null }), 'LOT-2'));
    expect(await rejectionOf(h.evaluate(auditor, 'exportAssets', [100, '']))).toMatchObject({ code: 'INTERNAL' });
  });
});

describe('attestMigration', () => {
  it('records one attestation per organisation admin, once, with one event', async () => {
    const target = new ContractHarness();
    const first = await target.submit<MigrationAttestation>(carrierAdmin, 'attestMigration', [attestation(sha('a'), 8)]);
    expect(first.result).toMatchObject({ root: sha('a'), recordCount: 8, mspId: MSP.CARRIER, docType: 'waybill.migration.attestation' });
    expect(first.events.map((e) => e.name)).toEqual([EVENTS.MIGRATION_ATTESTED]);
    expect(first.requiredEndorsers).toEqual([]);
    expect(await rejectionOf(target.submit(carrierAdmin, 'attestMigration', [attestation(sha('a'), 8)]))).toMatchObject({
      code: 'CONFLICT',
      message: `CONFLICT: ${MSP.CARRIER} already attested root ${sha('a')} (transaction ${first.result.txId})`,
    });
    const status = await target.evaluate<MigrationStatus>(auditor, 'getMigration', [sha('a')]);
    expect(status).toMatchObject({ attestedBy: [MSP.CARRIER], required: majorityOf(MEMBERS.length), import: null });
  });

  it('refuses non-admins, malformed input and an attestation that disagrees with another', async () => {
    const target = new ContractHarness();
    expect(await rejectionOf(target.submit(carrier, 'attestMigration', [attestation(sha('a'), 8)]))).toMatchObject({
      code: 'FORBIDDEN',
      message: "FORBIDDEN: role 'carrier' may not attestMigration; requires role admin",
    });
    expect(await rejectionOf(target.submit(carrierAdmin, 'attestMigration', [JSON.stringify({ root: 'x' })]))).toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect(await rejectionOf(target.submit(carrierAdmin, 'attestMigration', [attestation(sha('a'), -1)]))).toMatchObject({ code: 'INVALID_ARGUMENT' });
    await target.submit(carrierAdmin, 'attestMigration', [attestation(sha('a'), 8)]);
    expect(await rejectionOf(target.submit(retailerAdmin, 'attestMigration', [attestation(sha('a'), 9)]))).toMatchObject({ code: 'CONFLICT' });
    expect(await rejectionOf(target.submit(retailerAdmin, 'attestMigration', [attestation(sha('a'), 8, sha('f'))]))).toMatchObject({ code: 'CONFLICT' });
  });
});

describe('importRecords', () => {
  it('imports every record under a majority-attested root: target world state equals source', async () => {
    const source = await sourceLedger();
    const records = await exportLedger(source);
    const { root, entries } = treeOf(records);
    const target = await attested(root, records.length);
    const one = await target.submit<MigrationImport>(manufacturerAdmin, 'importRecords', [root, batch(entries.slice(0, 3))]);
    expect(one.result).toMatchObject({ nextIndex: 3, complete: false, imported: { asset: 3, recall: 0 } });
    expect(one.events).toMatchObject([{ name: EVENTS.RECORDS_IMPORTED, payload: { fromIndex: 0, toIndex: 2, assetIds: ['LOT-1', 'LOT-1a', 'LOT-1b'] } }]);
    const rest = await target.submit<MigrationImport>(carrierAdmin, 'importRecords', [root, batch(entries.slice(3))]);
    expect(rest.result).toMatchObject({ nextIndex: records.length, complete: true, imported: { asset: 7, recall: 1 } });

    const stub = target.ledger.newTransaction({ peerMspId: null });
    for (const record of records) {
      if (record.kind === 'asset') {
        expect(canonicalJson(await target.evaluate<Asset>(auditor, 'getAsset', [record.id]))).toBe(canonicalJson(record.asset));
        expect(target.ledger.policyOf(assetKey(stub, record.id))).toEqual(record.endorsement);
        const provenance = await target.evaluate<ImportProvenance>(auditor, 'getImportProvenance', [record.id]);
        expect(provenance).toMatchObject({ root, index: record.index, source: record.provenance, importedTxId: expect.any(String) as unknown });
      } else {
        expect(await target.evaluate(auditor, 'getRecall', [record.id])).toEqual(record.recall);
      }
    }
    // Indexes work on the target, and the journey continues under the imported key-level policy.
    expect((await target.evaluate<{ records: Asset[] }>(auditor, 'listAssetsByStatus', ['RECALLED', 10, ''])).records.map((a) => a.id)).toEqual(['LOT-1b']);
    const accepted = await target.submit<Asset>(carrier, 'acceptHandover', ['LOT-4']);
    expect(accepted.result.custodian).toBe(MSP.CARRIER);
    expect(accepted.requiredEndorsers).toEqual(expect.arrayContaining([MSP.MANUFACTURER]));
    expect(await rejectionOf(target.submit(manufacturerAdmin, 'importRecords', [root, batch(entries.slice(0, 1))]))).toMatchObject({
      code: 'CONFLICT',
      message: `CONFLICT: the import of root ${root} is complete (${records.length} records)`,
    });
  });

  it('needs a majority of member organisations to have attested the root', async () => {
    const source = await sourceLedger();
    const records = await exportLedger(source);
    const { root, entries } = treeOf(records);
    const target = await attested(root, records.length, [manufacturerAdmin, authorityAdmin]);
    expect(await rejectionOf(target.submit(manufacturerAdmin, 'importRecords', [root, batch(entries)]))).toMatchObject({
      code: 'CONFLICT',
      message: `CONFLICT: root ${root} is attested by 2 of the member organisations (${MSP.AUTHORITY}, ${MSP.MANUFACTURER}); importing needs 3`,
    });
    expect(await rejectionOf(target.submit(manufacturer, 'importRecords', [root, batch(entries)]))).toMatchObject({ code: 'FORBIDDEN' });
  });

  describe('refuses a tampered export, naming the record', () => {
    let records: MigrationRecord[];
    let tree: ReturnType<typeof treeOf>;
    let target: ContractHarness;
    beforeEach(async () => {
      records = await exportLedger(await sourceLedger());
      tree = treeOf(records);
      target = await attested(tree.root, records.length);
    });

    it('a changed record (its proof no longer leads to the attested root)', async () => {
      const changed = { ...(records[2] as Extract<MigrationRecord, { kind: 'asset' }>) };
      const entry = { record: canonicalJson({ ...changed, asset: { ...changed.asset, owner: MSP.RETAILER } }), proof: tree.entries[2]?.proof };
      expect(await rejectionOf(target.submit(manufacturerAdmin, 'importRecords', [tree.root, batch([...tree.entries.slice(0, 2), entry])]))).toMatchObject({
        code: 'INVALID_ARGUMENT',
        message: `INVALID_ARGUMENT: record #2 (asset 'LOT-1b') is not included in the attested root ${tree.root}: it was changed or added`,
      });
      expect(await target.evaluate<MigrationStatus>(auditor, 'getMigration', [tree.root])).toMatchObject({ import: null });
    });

    it('a dropped record (a gap in the sequence)', async () => {
      await target.submit(manufacturerAdmin, 'importRecords', [tree.root, batch(tree.entries.slice(0, 2))]);
      expect(await rejectionOf(target.submit(manufacturerAdmin, 'importRecords', [tree.root, batch(tree.entries.slice(3))]))).toMatchObject({
        code: 'INVALID_ARGUMENT',
        message: "INVALID_ARGUMENT: record #2 is missing: the batch gives record #3 (asset 'LOT-2') next",
      });
    });

    it('an added record (outside the export, or without a valid proof)', async () => {
      await target.submit(manufacturerAdmin, 'importRecords', [tree.root, batch(tree.entries.slice(0, records.length - 1))]);
      const last = records.length - 1;
      const forged = { ...(records[0] as Extract<MigrationRecord, { kind: 'asset' }>), index: last, id: 'LOT-X', asset: { ...(records[0] as Extract<MigrationRecord, { kind: 'asset' }>).asset, id: 'LOT-X' } };
      expect(await rejectionOf(target.submit(manufacturerAdmin, 'importRecords', [tree.root, batch([{ record: canonicalJson(forged), proof: tree.entries[last]?.proof }])]))).toMatchObject({
        code: 'INVALID_ARGUMENT',
        message: `INVALID_ARGUMENT: record #${last} (asset 'LOT-X') is not included in the attested root ${tree.root}: it was changed or added`,
      });
      const beyond = { ...forged, index: records.length };
      expect(await rejectionOf(target.submit(manufacturerAdmin, 'importRecords', [tree.root, batch([tree.entries[last], { record: canonicalJson(beyond), proof: [] }])]))).toMatchObject({
        code: 'INVALID_ARGUMENT',
        message: `INVALID_ARGUMENT: record #${records.length} (asset 'LOT-X') lies outside the attested export of ${records.length} records: not in root ${tree.root}`,
      });
    });

    it('a replayed record, a non-canonical one, malformed batches', async () => {
      await target.submit(manufacturerAdmin, 'importRecords', [tree.root, batch(tree.entries.slice(0, 2))]);
      expect(await rejectionOf(target.submit(manufacturerAdmin, 'importRecords', [tree.root, batch(tree.entries.slice(1, 3))]))).toMatchObject({
        code: 'CONFLICT',
        message: "CONFLICT: record #1 (asset 'LOT-1a') is already imported",
      });
      const spaced = { record: JSON.stringify(records[2], null, 1), proof: tree.entries[2]?.proof };
      expect(await rejectionOf(target.submit(manufacturerAdmin, 'importRecords', [tree.root, batch([spaced])]))).toMatchObject({
        code: 'INVALID_ARGUMENT',
        message: "INVALID_ARGUMENT: record #2 (asset 'LOT-1b') is not in canonical JSON (RFC 8785)",
      });
      for (const bad of ['{', '[]', JSON.stringify({ records: [] }), JSON.stringify({ records: [{ record: 1, proof: [] }] }), JSON.stringify({ records: [{ record: '{}', proof: ['zz'] }] }), JSON.stringify({ records: [{ record: 'x', proof: [] }] }), JSON.stringify({ other: 1 })]) {
        expect(await rejectionOf(target.submit(manufacturerAdmin, 'importRecords', [tree.root, bad]))).toMatchObject({ code: 'INVALID_ARGUMENT' });
      }
      expect(await rejectionOf(target.submit(manufacturerAdmin, 'importRecords', ['nothex', batch(tree.entries.slice(2, 3))]))).toMatchObject({ code: 'INVALID_ARGUMENT' });
    });

    it('a record whose body contradicts its id or kind, or an asset that already exists', async () => {
      const wrongKind = treeOf([{ ...(records[0] as MigrationRecord), kind: 'other' } as unknown as MigrationRecord]);
      const t2 = await attested(wrongKind.root, 1);
      expect(await rejectionOf(t2.submit(manufacturerAdmin, 'importRecords', [wrongKind.root, batch(wrongKind.entries)]))).toMatchObject({
        code: 'INVALID_ARGUMENT',
        message: "INVALID_ARGUMENT: record #0 (other 'LOT-1') has an unknown kind",
      });
      const wrongId = treeOf([{ ...(records[0] as MigrationRecord), id: 'LOT-Z' }]);
      const t3 = await attested(wrongId.root, 1);
      expect(await rejectionOf(t3.submit(manufacturerAdmin, 'importRecords', [wrongId.root, batch(wrongId.entries)]))).toMatchObject({ code: 'INVALID_ARGUMENT' });
      const recall = records[records.length - 1] as MigrationRecord;
      const wrongRecall = treeOf([{ ...recall, id: 'R-OTHER', index: 0 }]);
      const t4 = await attested(wrongRecall.root, 1);
      expect(await rejectionOf(t4.submit(manufacturerAdmin, 'importRecords', [wrongRecall.root, batch(wrongRecall.entries)]))).toMatchObject({ code: 'INVALID_ARGUMENT' });
      const badPolicy = treeOf([{ ...(records[0] as Extract<MigrationRecord, { kind: 'asset' }>), endorsement: { orgs: [MSP.MANUFACTURER, MSP.CARRIER], n: 3 } }]);
      const t5 = await attested(badPolicy.root, 1);
      expect(await rejectionOf(t5.submit(manufacturerAdmin, 'importRecords', [badPolicy.root, batch(badPolicy.entries)]))).toMatchObject({ code: 'INVALID_ARGUMENT' });
      const existing = treeOf([records[0] as MigrationRecord]);
      const t6 = await attested(existing.root, 1);
      await t6.submit(manufacturer, 'createAsset', [JSON.stringify(assetInput('LOT-1'))]);
      expect(await rejectionOf(t6.submit(manufacturerAdmin, 'importRecords', [existing.root, batch(existing.entries)]))).toMatchObject({ code: 'ASSET_EXISTS' });
    });
  });

  it('imports a recall only once and reports unknown provenance as not found', async () => {
    const records = await exportLedger(await sourceLedger());
    const recall = { ...(records[records.length - 1] as MigrationRecord), index: 0 };
    const { root, entries } = treeOf([recall]);
    const target = await attested(root, 1);
    await target.submit(regulator, 'recallAsset', ['LOT-9', 'x'.repeat(3)]).catch(() => undefined);
    await target.submit(manufacturerAdmin, 'importRecords', [root, batch(entries)]);
    const again = treeOf([{ ...recall, provenance: { ...recall.provenance, blockNumber: 8 } }]);
    const t2 = await attested(again.root, 1);
    await t2.submit(manufacturerAdmin, 'importRecords', [again.root, batch(again.entries)]);
    expect(await rejectionOf(t2.evaluate(auditor, 'getImportProvenance', ['LOT-1']))).toMatchObject({ code: 'ASSET_NOT_FOUND' });
    const t3 = await attested(again.root, 1);
    await t3.submit(manufacturerAdmin, 'importRecords', [again.root, batch(again.entries)]);
    const dup = treeOf([{ ...recall, provenance: { ...recall.provenance, blockNumber: 9 } }]);
    for (const admin of [manufacturerAdmin, carrierAdmin, retailerAdmin]) await t3.submit(admin, 'attestMigration', [attestation(dup.root, 1)]);
    expect(await rejectionOf(t3.submit(manufacturerAdmin, 'importRecords', [dup.root, batch(dup.entries)]))).toMatchObject({ code: 'CONFLICT' });
  });
});
