import { ENDORSEMENT_RULES, EVALUATE_TRANSACTIONS, TRANSACTIONS } from '@waybill/chaincode/constants';
import { endorsingOrganizations, needsAssets } from './endorsement';

const ALL = ['AuthorityMSP', 'CarrierMSP', 'ManufacturerMSP', 'RetailerMSP'];
const asset = { owner: 'ManufacturerMSP', custodian: 'CarrierMSP', pendingSale: { buyer: 'RetailerMSP' } };

describe('endorsing organisations', () => {
  // One table (the chaincode's constants entry) serves both: what is left to check is that it
  // gives a rule for every transaction the gateway submits, and for nothing it only evaluates.
  it('follow the chaincode’s rule, which covers every submit transaction', () => {
    const submits = Object.keys(TRANSACTIONS).filter(
      (t) => !(EVALUATE_TRANSACTIONS as readonly string[]).includes(t),
    );
    expect(Object.keys(ENDORSEMENT_RULES).sort()).toEqual(submits.sort());
  });

  it('are the asset’s owner and custodian, filled up to a majority when index entries move', () => {
    expect(endorsingOrganizations('proposeHandover', [asset], 'ManufacturerMSP', ALL)).toEqual([
      'CarrierMSP',
      'ManufacturerMSP',
    ]);
    // Holders first, then the caller, then the others in order, until 3 of 4.
    expect(endorsingOrganizations('acceptHandover', [asset], 'RetailerMSP', ALL)).toEqual([
      'CarrierMSP',
      'ManufacturerMSP',
      'RetailerMSP',
    ]);
    expect(
      endorsingOrganizations(
        'putOnHold',
        [{ owner: 'RetailerMSP', custodian: 'RetailerMSP' }],
        'AuthorityMSP',
        ALL,
      ),
    ).toEqual(['AuthorityMSP', 'CarrierMSP', 'RetailerMSP']);
  });

  it('add the buyer for the buyer’s steps only: the seller cancels without it', () => {
    expect(endorsingOrganizations('cancelSale', [asset], 'ManufacturerMSP', ALL)).toEqual([
      'CarrierMSP',
      'ManufacturerMSP',
    ]);
    expect(endorsingOrganizations('rejectSale', [asset], 'RetailerMSP', ALL)).toEqual([
      'CarrierMSP',
      'ManufacturerMSP',
      'RetailerMSP',
    ]);
    expect(
      endorsingOrganizations('acceptSale', [{ ...asset, custodian: 'ManufacturerMSP' }], 'RetailerMSP', ALL),
    ).toEqual(['AuthorityMSP', 'ManufacturerMSP', 'RetailerMSP']);
  });

  it('are the caller’s own organisation only for private terms; a majority for new assets', () => {
    expect(endorsingOrganizations('agreeSaleTerms', [asset], 'RetailerMSP', ALL)).toEqual(['RetailerMSP']);
    expect(endorsingOrganizations('purgeTerms', [], 'RetailerMSP', ALL)).toEqual(['RetailerMSP']);
    expect(endorsingOrganizations('createAsset', [], 'ManufacturerMSP', ALL)).toEqual([
      'AuthorityMSP',
      'CarrierMSP',
      'ManufacturerMSP',
    ]);
    expect(needsAssets('agreeSaleTerms')).toBe(false);
    expect(needsAssets('createAsset')).toBe(false);
  });

  it('are the holders of every input for a merge, and every organisation for a recall', () => {
    const inputs = [
      { owner: 'ManufacturerMSP', custodian: 'ManufacturerMSP' },
      { owner: 'ManufacturerMSP', custodian: 'CarrierMSP' },
    ];
    expect(endorsingOrganizations('mergeAssets', inputs, 'ManufacturerMSP', ALL)).toEqual([
      'AuthorityMSP',
      'CarrierMSP',
      'ManufacturerMSP',
    ]);
    expect(endorsingOrganizations('recallAsset', [], 'RetailerMSP', ALL)).toEqual(ALL);
    expect(needsAssets('recallAsset')).toBe(false);
    expect(needsAssets('mergeAssets')).toBe(true);
  });
});
