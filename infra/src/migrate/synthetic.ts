import { createHash } from 'node:crypto';
import { leafHash, verifyInclusion, type Asset, type AssetHistoryEntry, type ImportEntry, type MigrationImport, type MigrationStatus } from '@waybill/chaincode/migration';
import type { TargetContract } from './import';
import type { LedgerReader } from './reader';

const hex = (s: string): string => createHash('sha256').update(s).digest('hex');

/** The `i`-th asset of a synthetic ledger (deterministic). */
export function syntheticAsset(i: number, overrides: Partial<Asset> = {}): Asset {
  const id = `A-${String(i).padStart(7, '0')}`;
  return {
    docType: 'waybill.asset',
    schemaVersion: 1,
    id,
    product: { sku: `SKU-${i % 97}`, description: 'synthetic lot' },
    quantity: { amount: 10 + (i % 7), unit: 'kg' },
    origin: { site: 'Plant 7', country: 'IT' },
    attributes: { lot: `L-${i}` },
    documents: [],
    personalDataRefs: [],
    owner: 'ManufacturerMSP',
    custodian: i % 3 === 0 ? 'CarrierMSP' : 'ManufacturerMSP',
    manufacturers: ['ManufacturerMSP'],
    status: i % 3 === 0 ? 'IN_TRANSIT' : 'CREATED',
    hold: null,
    recall: null,
    parents: [],
    children: [],
    pendingHandover: null,
    pendingSale: null,
    createdAt: '2026-01-01T00:00:00.000Z',
    createdTxId: hex(`create ${i}`),
    updatedAt: '2026-01-02T00:00:00.000Z',
    updatedTxId: hex(`update ${i}`),
    ...overrides,
  };
}

/**
 * A ledger of `size` synthetic assets (three versions of history each) and one recall, answering
 * like the contract's export queries: for unit tests of the export, verify and import pipeline,
 * and for the benchmark of its own cost (network excluded). `change` alters what it answers for
 * one asset (a ledger that moved on, or a peer that lies).
 */
export function syntheticReader(size: number, change: (asset: Asset) => Asset = (a) => a): LedgerReader {
  const asset = (i: number): Asset => change(syntheticAsset(i));
  const endorsement = (a: Asset): { orgs: string[]; n: number } => {
    const orgs = [...new Set([a.owner, a.custodian])].sort();
    return { orgs, n: orgs.length };
  };
  return {
    channel: 'supplychain',
    mspId: 'ManufacturerMSP',
    exportAssets: (pageSize, bookmark) => {
      const from = bookmark === '' ? 0 : Number(bookmark);
      const to = Math.min(size, from + pageSize);
      const records = Array.from({ length: to - from }, (_, k) => {
        const a = asset(from + k);
        return { asset: a, endorsement: endorsement(a) };
      });
      return Promise.resolve({ records, bookmark: to < size ? String(to) : '' });
    },
    exportRecalls: () =>
      Promise.resolve({
        records: [
          {
            docType: 'waybill.recall',
            recallId: 'R-1',
            rootAssetId: 'A-0000000',
            reason: 'synthetic',
            initiatorOrg: 'AuthorityMSP',
            initiatorRole: 'regulator',
            queue: [],
            markedCount: 1,
            complete: true,
            createdAt: '2026-01-03T00:00:00.000Z',
            updatedAt: '2026-01-03T00:00:00.000Z',
            updatedTxId: hex('recall'),
          },
        ],
        bookmark: '',
      }),
    assetHistory: (assetId) => {
      const i = Number(assetId.slice(2));
      const current = asset(i);
      const entries: AssetHistoryEntry[] = [
        { txId: current.updatedTxId, timestamp: current.updatedAt, isDelete: false, asset: current },
        { txId: hex(`middle ${i}`), timestamp: '2026-01-01T12:00:00.000Z', isDelete: false, asset: { ...current, status: 'CREATED' } },
        { txId: current.createdTxId, timestamp: current.createdAt, isDelete: false, asset: { ...current, status: 'CREATED', custodian: 'ManufacturerMSP' } },
      ];
      return Promise.resolve({ assetId, entries, truncated: false });
    },
    blockOf: (txId) => Promise.resolve({ blockNumber: parseInt(txId.slice(0, 6), 16), blockHash: hex(`block ${txId}`) }),
  };
}

/**
 * A target that checks each batch the way the contract does (attested root, order, inclusion
 * proof) in memory: the import pipeline's cost without the network, and its behaviour in unit
 * tests. `attestedBy` lists the organisations that attested.
 */
export function syntheticTarget(recordCount: number, attestedBy: readonly string[], required = 3): TargetContract & { readonly submitted: number } {
  const state = { nextIndex: 0, submitted: 0, root: '', recordCount };
  const progress = (): MigrationImport => ({
    docType: 'waybill.migration.import',
    root: state.root,
    recordCount: state.recordCount,
    exportSha256: '',
    sourceChannel: 'supplychain',
    nextIndex: state.nextIndex,
    imported: { asset: state.nextIndex, recall: 0 },
    complete: state.nextIndex === state.recordCount && state.recordCount > 0,
    updatedAt: '',
    updatedTxId: '',
  });
  return {
    mspId: 'RetailerMSP',
    get submitted() {
      return state.submitted;
    },
    evaluate: (_name, args) => {
      const status: MigrationStatus = {
        root: args[0] as string,
        attestations: [],
        attestedBy,
        required,
        import: state.nextIndex === 0 ? null : progress(),
      };
      return Promise.resolve(Buffer.from(JSON.stringify(status)));
    },
    submit: (name, args) => {
      if (name !== 'importRecords') return Promise.reject(new Error(`unexpected ${name}`));
      const [root, input] = args as [string, string];
      const { records } = JSON.parse(input) as { records: ImportEntry[] };
      state.root = root;
      for (const entry of records) {
        const record = JSON.parse(entry.record) as { index: number };
        if (record.index !== state.nextIndex) return Promise.reject(new Error(`record #${state.nextIndex} is missing`));
        const proof = entry.proof.map((h) => Buffer.from(h, 'hex'));
        if (!verifyInclusion(leafHash(entry.record), record.index, recordCount, proof, Buffer.from(root, 'hex'))) {
          return Promise.reject(new Error(`record #${record.index} is not included in the attested root`));
        }
        state.nextIndex += 1;
      }
      state.submitted += 1;
      return Promise.resolve(Buffer.from(JSON.stringify(progress())));
    },
  };
}
