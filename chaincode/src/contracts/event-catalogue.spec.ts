import { ContractHarness } from '../testing/contract-harness';
import { EVENTS } from '../constants';
import { ACTORS, MSP, assetInput, sha, termsTransient } from '../testing/fixtures';
import { exportLedger, treeOf } from '../testing/migration';
import { COMMON_EVENT_FIELDS, EVENT_CATALOGUE } from './event-catalogue';

describe('event catalogue', () => {
  it('describes exactly the payload of every event, emitted by the documented transactions', async () => {
    const h = new ContractHarness();
    const { manufacturer, carrier, retailer, regulator } = ACTORS;
    const ref = 'b'.repeat(32);
    const steps: [typeof manufacturer, Parameters<ContractHarness['submit']>[1], unknown[], Record<string, string>?][] = [
      [manufacturer, 'createAsset', [JSON.stringify(assetInput('L'))]],
      [manufacturer, 'proposeHandover', ['L', MSP.CARRIER]],
      [carrier, 'rejectHandover', ['L']],
      [manufacturer, 'proposeHandover', ['L', MSP.CARRIER]],
      [manufacturer, 'cancelHandover', ['L']],
      [manufacturer, 'proposeHandover', ['L', MSP.RETAILER]],
      [retailer, 'acceptHandover', ['L']],
      [manufacturer, 'proposeSale', ['L', MSP.RETAILER]],
      [retailer, 'rejectSale', ['L']],
      [manufacturer, 'proposeSale', ['L', MSP.RETAILER]],
      [manufacturer, 'cancelSale', ['L']],
      [manufacturer, 'proposeSale', ['L', MSP.RETAILER]],
      [manufacturer, 'agreeSaleTerms', ['L'], termsTransient()],
      [retailer, 'agreeSaleTerms', ['L'], termsTransient()],
      [retailer, 'acceptSale', ['L']],
      [retailer, 'updateAttributes', ['L', JSON.stringify({ set: { shelf: 'B4' } })]],
      [retailer, 'addDocument', ['L', 'receipt', sha('9')]],
      [retailer, 'upsertPersonalDataRef', ['L', JSON.stringify({ ref, commitment: sha('8'), category: 'email' })]],
      [retailer, 'erasePersonalDataRef', ['L', ref]],
      [retailer, 'putOnHold', ['L', 'damaged box']],
      [retailer, 'releaseHold', ['L']],
      [retailer, 'splitAsset', ['L', JSON.stringify({ parts: [{ id: 'L1', amount: 50 }, { id: 'L2', amount: 50 }] })]],
      [retailer, 'mergeAssets', [JSON.stringify({ newAssetId: 'L12', assetIds: ['L1', 'L2'] })]],
      [regulator, 'recallAsset', ['L', 'allergen']],
      [retailer, 'destroyAsset', ['L12']],
    ];
    const seen = new Map<string, Set<string>>();
    const check = (fn: string, events: readonly { name: string; payload: Record<string, unknown> }[]): void => {
      const event = events[0];
      if (event === undefined) throw new Error(`${fn} emitted nothing`);
      const description = EVENT_CATALOGUE[event.name as keyof typeof EVENT_CATALOGUE];
      expect([fn, description.emittedBy]).toEqual([fn, expect.arrayContaining([fn])]);
      expect([event.name, Object.keys(event.payload).sort()]).toEqual([
        event.name,
        [...Object.keys(description.fields), ...Object.keys(COMMON_EVENT_FIELDS)].sort(),
      ]);
      expect(event.payload['event']).toBe(event.name);
      seen.set(event.name, (seen.get(event.name) ?? new Set()).add(fn));
    };
    for (const [actor, fn, args, transient] of steps) {
      check(fn, (await h.submit(actor, fn, args, transient === undefined ? {} : { transient })).events);
    }
    // The buyer purges its terms of a sale the seller cancelled.
    await h.submit(manufacturer, 'createAsset', [JSON.stringify(assetInput('P'))]);
    const { txId: saleId } = await h.submit(manufacturer, 'proposeSale', ['P', MSP.RETAILER]);
    await h.submit(retailer, 'agreeSaleTerms', ['P'], { transient: termsTransient() });
    await h.submit(manufacturer, 'cancelSale', ['P']);
    check('purgeTerms', (await h.submit(retailer, 'purgeTerms', ['P', saleId])).events);
    const next = JSON.stringify({ version: 2, members: [MSP.AUTHORITY, MSP.CARRIER, MSP.MANUFACTURER, MSP.RETAILER], oversight: [MSP.AUTHORITY, MSP.RETAILER] });
    check('approveGovernance', (await h.submit(ACTORS.authorityAdmin, 'approveGovernance', [next])).events);
    // Migration: attest an export of this ledger on a new one, import it.
    const records = await exportLedger(h, 100);
    const { root, entries } = treeOf(records);
    const target = new ContractHarness();
    const attest = JSON.stringify({ root, recordCount: records.length, exportSha256: sha('e'), sourceChannel: 'supplychain' });
    for (const admin of [ACTORS.manufacturerAdmin, ACTORS.carrierAdmin]) await target.submit(admin, 'attestMigration', [attest]);
    check('attestMigration', (await target.submit(ACTORS.retailerAdmin, 'attestMigration', [attest])).events);
    check('importRecords', (await target.submit(ACTORS.retailerAdmin, 'importRecords', [root, JSON.stringify({ records: entries })])).events);
    const fresh = new ContractHarness(false);
    const first = JSON.stringify({ version: 1, members: [MSP.AUTHORITY, MSP.MANUFACTURER], oversight: [MSP.AUTHORITY] });
    check('initGovernance', (await fresh.submit(ACTORS.manufacturerAdmin, 'initGovernance', [first])).events);
    expect(Object.values(EVENTS).filter((name) => !seen.has(name))).toEqual([]);
  });
});
