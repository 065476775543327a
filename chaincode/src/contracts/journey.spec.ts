import { ContractHarness } from '../testing/contract-harness';
import { ASSET_STATUSES, EVENTS } from '../constants';
import type { Asset } from '../domain/asset';
import { ACTORS, MSP, assetInput, termsTransient } from '../testing/fixtures';

describe('the full journey manufacturer → carrier → retailer', () => {
  it('creates, hands over twice, sells with private terms and marks sold', async () => {
    const h = new ContractHarness();
    const { manufacturer, carrier, retailer } = ACTORS;

    const created = await h.submit<Asset>(manufacturer, 'createAsset', [JSON.stringify(assetInput('LOT-1'))]);
    expect(created.result).toMatchObject({ id: 'LOT-1', owner: MSP.MANUFACTURER, custodian: MSP.MANUFACTURER, status: 'CREATED' });
    expect(created.events.map((e) => e.name)).toEqual([EVENTS.ASSET_CREATED]);
    expect(created.requiredEndorsers).toEqual([]);

    const proposed = await h.submit<Asset>(manufacturer, 'proposeHandover', ['LOT-1', MSP.CARRIER]);
    expect(proposed.requiredEndorsers).toEqual([MSP.MANUFACTURER]);
    const accepted = await h.submit<Asset>(carrier, 'acceptHandover', ['LOT-1']);
    expect(accepted.result).toMatchObject({ custodian: MSP.CARRIER, status: ASSET_STATUSES.IN_TRANSIT });
    expect(accepted.requiredEndorsers).toEqual([MSP.MANUFACTURER]);
    expect(h.ledger.policyOrgs(accepted.stub.createCompositeKey('asset', ['LOT-1']))).toEqual([MSP.CARRIER, MSP.MANUFACTURER]);

    await h.submit(carrier, 'proposeHandover', ['LOT-1', MSP.RETAILER]);
    const delivered = await h.submit<Asset>(retailer, 'acceptHandover', ['LOT-1']);
    expect(delivered.result).toMatchObject({ custodian: MSP.RETAILER, owner: MSP.MANUFACTURER, status: 'DELIVERED' });

    await h.submit(manufacturer, 'proposeSale', ['LOT-1', MSP.RETAILER]);
    const sellerTerms = await h.submit(manufacturer, 'agreeSaleTerms', ['LOT-1'], { transient: termsTransient() });
    expect(sellerTerms.requiredEndorsers).toEqual([MSP.MANUFACTURER]);
    await h.submit(retailer, 'agreeSaleTerms', ['LOT-1'], { transient: termsTransient({ price: '1250.500' }) });
    const sold = await h.submit<Asset>(retailer, 'acceptSale', ['LOT-1']);
    expect(sold.result).toMatchObject({ owner: MSP.RETAILER, custodian: MSP.RETAILER, pendingSale: null });
    expect(sold.requiredEndorsers).toEqual([MSP.MANUFACTURER, MSP.RETAILER]);
    expect(h.ledger.purges).toHaveLength(2);

    const end = await h.submit<Asset>(retailer, 'markSold', ['LOT-1']);
    expect(end.result.status).toBe('SOLD');
  });
});
