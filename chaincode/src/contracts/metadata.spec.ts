import { readFileSync, writeFileSync } from 'fs';
import { EXPECTED_METADATA_PATH, generateContractMetadata } from '../testing/contract-metadata';
import { ContractHarness } from '../testing/contract-harness';
import { CONTRACT_NAME, EVALUATE_TRANSACTIONS, TRANSACTIONS } from '../constants';
import type { Asset } from '../domain/asset';
import { INPUT_FIELDS } from '../domain/inputs';
import { ACTORS, MSP, assetInput, sha, termsTransient } from '../testing/fixtures';
import { exportLedger, treeOf } from '../testing/migration';

interface Schema {
  readonly type?: string;
  readonly $ref?: string;
  readonly items?: Schema;
  readonly additionalProperties?: Schema;
  readonly properties?: Record<string, Schema>;
}
interface TxMeta {
  readonly name: string;
  readonly tag: string[];
  readonly parameters: { name: string; description: string; schema: Schema }[];
  readonly returns?: Schema;
}
interface Metadata {
  readonly contracts: Record<string, { transactions: TxMeta[] }>;
  readonly components: { schemas: Record<string, Schema> };
}

describe('contract metadata (GetMetadata)', () => {
  let metadata: Metadata;

  beforeAll(async () => {
    metadata = (await generateContractMetadata()) as Metadata;
    if (process.env['UPDATE_METADATA'] === '1') {
      writeFileSync(EXPECTED_METADATA_PATH, `${JSON.stringify(metadata, null, 2)}\n`);
    }
  });

  it('equals the committed chaincode/test/metadata.expected.json (UPDATE_METADATA=1 regenerates it)', () => {
    expect(metadata).toEqual(JSON.parse(readFileSync(EXPECTED_METADATA_PATH, 'utf8')));
  });

  it('lists every transaction of constants.ts, submit or evaluate as documented, with typed parameters', () => {
    const txs = metadata.contracts[CONTRACT_NAME]?.transactions ?? [];
    expect(txs.map((t) => t.name).sort()).toEqual(Object.keys(TRANSACTIONS).sort());
    for (const tx of txs) {
      const evaluate = (EVALUATE_TRANSACTIONS as readonly string[]).includes(tx.name);
      expect([tx.name, tx.tag]).toEqual([tx.name, evaluate ? ['EVALUATE'] : ['SUBMIT', 'submitTx']]);
      for (const param of tx.parameters) {
        expect([tx.name, param.name, param.schema.type]).toEqual([tx.name, param.name, expect.stringMatching(/^(string|number)$/)]);
        expect(param.description).not.toBe('');
      }
      const ref = tx.returns?.$ref ?? tx.returns?.type;
      expect([tx.name, ref]).toEqual([tx.name, expect.any(String)]);
      if (tx.returns?.$ref !== undefined) {
        expect(metadata.components.schemas).toHaveProperty(tx.returns.$ref.replace('#/components/schemas/', ''));
      }
    }
  });

  it('declares exactly the fields of every JSON input', () => {
    for (const [name, fields] of Object.entries(INPUT_FIELDS)) {
      expect([name, Object.keys(metadata.components.schemas[name]?.properties ?? {}).sort()]).toEqual([name, [...fields].sort()]);
    }
  });

  it('declares exactly the fields of every answer (checked on real answers, recursively)', async () => {
    const h = new ContractHarness();
    const { manufacturer, retailer, regulator, auditor } = ACTORS;
    await h.submit(manufacturer, 'createAsset', [
      JSON.stringify(assetInput('LOT-1', { documents: [{ name: 'coa', sha256: sha('1') }], personalDataRefs: [{ ref: 'a'.repeat(32), commitment: sha('2'), category: 'notes' }] })),
    ]);
    await h.submit(manufacturer, 'proposeHandover', ['LOT-1', MSP.RETAILER]);
    await h.submit(manufacturer, 'proposeSale', ['LOT-1', MSP.RETAILER]);
    const receipt = await h.submit(retailer, 'agreeSaleTerms', ['LOT-1'], { transient: termsTransient() });
    const withPending = await h.evaluate<Asset>(auditor, 'getAsset', ['LOT-1']);
    const terms = await h.evaluate(retailer, 'getTerms', ['LOT-1']);
    await h.submit(retailer, 'rejectSale', ['LOT-1']);
    await h.submit(retailer, 'acceptHandover', ['LOT-1']);
    const held = (await h.submit(manufacturer, 'putOnHold', ['LOT-1', 'qa'])).result;
    await h.submit(manufacturer, 'releaseHold', ['LOT-1']);
    await h.submit(manufacturer, 'createAsset', [JSON.stringify(assetInput('LOT-2'))]);
    const split = (await h.submit(manufacturer, 'splitAsset', ['LOT-2', JSON.stringify({ parts: [{ id: 'a', amount: 50 }, { id: 'b', amount: 50 }] })])).result;
    const progress = (await h.submit(regulator, 'recallAsset', ['LOT-2', 'x'])).result as { recallId: string };
    await h.submit(manufacturer, 'createAsset', [JSON.stringify(assetInput('LOT-3'))]);
    const saleId = (await h.submit(manufacturer, 'proposeSale', ['LOT-3', MSP.RETAILER])).txId;
    await h.submit(retailer, 'agreeSaleTerms', ['LOT-3'], { transient: termsTransient() });
    await h.submit(manufacturer, 'cancelSale', ['LOT-3']);
    const purge = (await h.submit(retailer, 'purgeTerms', ['LOT-3', saleId])).result;
    const next = { version: 2, members: [MSP.AUTHORITY, MSP.CARRIER, MSP.MANUFACTURER, MSP.RETAILER], oversight: [MSP.AUTHORITY, MSP.CARRIER] };
    const approval = (await h.submit(ACTORS.authorityAdmin, 'approveGovernance', [JSON.stringify(next)])).result;
    const records = await exportLedger(h, 100);
    const { root, entries } = treeOf(records);
    const target = new ContractHarness();
    const attest = JSON.stringify({ root, recordCount: records.length, exportSha256: sha('e'), sourceChannel: 'supplychain' });
    const attestation = (await target.submit(ACTORS.manufacturerAdmin, 'attestMigration', [attest])).result;
    for (const admin of [ACTORS.carrierAdmin, ACTORS.retailerAdmin]) await target.submit(admin, 'attestMigration', [attest]);
    const imported = (await target.submit(ACTORS.retailerAdmin, 'importRecords', [root, JSON.stringify({ records: entries })])).result;
    const answers: [string, unknown][] = [
      ['AssetExportPage', await h.evaluate(auditor, 'exportAssets', [10, ''])],
      ['RecallExportPage', await h.evaluate(auditor, 'exportRecalls', [10, ''])],
      ['MigrationAttestation', attestation],
      ['MigrationImport', imported],
      ['MigrationStatus', await target.evaluate(auditor, 'getMigration', [root])],
      ['ImportProvenance', await target.evaluate(auditor, 'getImportProvenance', ['LOT-1'])],
      ['Asset', withPending],
      ['Asset', held],
      ['Asset', await h.evaluate(auditor, 'getAsset', ['a'])],
      ['TermsReceipt', receipt.result],
      ['SaleTerms', terms],
      ['SplitResult', split],
      ['RecallProgress', progress],
      ['RecallRecord', await h.evaluate(auditor, 'getRecall', [progress.recallId])],
      ['AssetHistory', await h.evaluate(auditor, 'getAssetHistory', ['LOT-1'])],
      ['Lineage', await h.evaluate(auditor, 'getLineage', ['LOT-2', 2])],
      ['AssetPage', await h.evaluate(auditor, 'listAssetsByOwner', [MSP.MANUFACTURER, 10, ''])],
      ['DocumentVerification', await h.evaluate(auditor, 'verifyDocument', ['LOT-1', 'coa', sha('1')])],
      ['TermsPurge', purge],
      ['GovernanceApproval', approval],
      ['Governance', await h.evaluate(auditor, 'getGovernance', [])],
    ];
    const seen = new Set<string>();
    const check = (value: unknown, schema: Schema, path: string): void => {
      if (value === null) return;
      if (schema.$ref !== undefined) {
        const name = schema.$ref.replace('#/components/schemas/', '');
        const target = metadata.components.schemas[name];
        seen.add(name);
        expect([path, Object.keys(value as object).sort()]).toEqual([path, Object.keys(target?.properties ?? {}).sort()]);
        for (const [key, sub] of Object.entries(target?.properties ?? {})) {
          check((value as Record<string, unknown>)[key], sub, `${path}.${key}`);
        }
      } else if (schema.type === 'array') {
        (value as unknown[]).forEach((item, i) => check(item, schema.items ?? {}, `${path}[${i}]`));
      } else if (schema.type === 'object') {
        Object.values(value as object).forEach((v) => expect(typeof v).toBe(schema.additionalProperties?.type));
      } else {
        expect([path, typeof value]).toEqual([path, schema.type]);
      }
    };
    for (const [name, value] of answers) {
      check(value, { $ref: name }, name);
    }
    const outputs = Object.keys(metadata.components.schemas).filter((n) => !n.endsWith('Input') && !['Product', 'Origin', 'Quantity'].includes(n));
    expect(outputs.filter((n) => !seen.has(n))).toEqual([]);
  });
});
