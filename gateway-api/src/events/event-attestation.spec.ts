import { EVENTS, LEDGER_KEY_TYPES, compositeKey } from '@waybill/chaincode/constants';
import { isAttested } from './event-attestation';

const asset = (id: string): string => compositeKey(LEDGER_KEY_TYPES.ASSET, [id]);
const none = { keys: [], collections: [] };

describe('isAttested', () => {
  it('keeps an asset event only when every asset it names was written', () => {
    expect(isAttested(EVENTS.STATUS_CHANGED, { assetId: 'A' }, { keys: [asset('A')], collections: [] }, 'M')).toBe(true);
    expect(isAttested(EVENTS.STATUS_CHANGED, { assetId: 'A' }, { keys: [asset('B')], collections: [] }, 'M')).toBe(false);
    expect(isAttested(EVENTS.ASSET_SPLIT, { parentId: 'P', childIds: ['C1', 'C2'] }, { keys: [asset('P'), asset('C1')], collections: [] }, 'M')).toBe(false);
    expect(isAttested(EVENTS.ASSET_SPLIT, { parentId: 'P', childIds: ['C1', 'C2'] }, { keys: [asset('C1'), asset('C2'), asset('P')], collections: [] }, 'M')).toBe(true);
    expect(isAttested(EVENTS.TITLE_TRANSFERRED, { assetId: 'A' }, { keys: [], collections: ['_implicit_org_R'] }, 'R')).toBe(false);
  });

  it('keeps a recall batch when it wrote the recall record and every marked asset', () => {
    const payload = { recallId: 'r1', rootAssetId: 'ROOT', markedAssetIds: ['D1'] };
    const record = compositeKey(LEDGER_KEY_TYPES.RECALL, ['r1']);
    expect(isAttested(EVENTS.ASSET_RECALLED, payload, { keys: [record, asset('D1')], collections: [] }, 'M')).toBe(true);
    expect(isAttested(EVENTS.ASSET_RECALLED, payload, { keys: [asset('D1')], collections: [] }, 'M')).toBe(false);
    expect(isAttested(EVENTS.ASSET_RECALLED, payload, { keys: [record], collections: [] }, 'M')).toBe(false);
  });

  it('lets terms events speak for the submitter’s own collection only', () => {
    const own = { keys: [], collections: ['_implicit_org_RetailerMSP'] };
    expect(isAttested(EVENTS.TERMS_AGREED, { assetId: 'A', org: 'RetailerMSP' }, own, 'RetailerMSP')).toBe(true);
    expect(isAttested(EVENTS.TERMS_PURGED, { assetId: 'A', org: 'RetailerMSP' }, own, 'RetailerMSP')).toBe(true);
    expect(isAttested(EVENTS.TERMS_AGREED, { assetId: 'A', org: 'ManufacturerMSP' }, own, 'RetailerMSP')).toBe(false);
    expect(isAttested(EVENTS.TERMS_AGREED, { assetId: 'A', org: 'RetailerMSP' }, own, 'ManufacturerMSP')).toBe(false);
    expect(isAttested(EVENTS.TERMS_AGREED, { assetId: 'A', org: 'RetailerMSP' }, none, 'RetailerMSP')).toBe(false);
  });

  it('keeps a governance change only with a governance write; drops unknown and non-JSON events', () => {
    const gov = compositeKey(LEDGER_KEY_TYPES.GOVERNANCE, ['current']);
    const approval = compositeKey(LEDGER_KEY_TYPES.GOVERNANCE_APPROVAL, ['2', 'h', 'M']);
    expect(isAttested(EVENTS.GOVERNANCE_CHANGED, { version: 2 }, { keys: [gov], collections: [] }, 'M')).toBe(true);
    expect(isAttested(EVENTS.GOVERNANCE_CHANGED, { version: 1 }, { keys: [approval], collections: [] }, 'M')).toBe(true);
    expect(isAttested(EVENTS.GOVERNANCE_CHANGED, { version: 2 }, { keys: [asset('A')], collections: [] }, 'M')).toBe(false);
    expect(isAttested('SomethingElse', { assetId: 'A' }, { keys: [asset('A')], collections: [] }, 'M')).toBe(false);
    expect(isAttested(EVENTS.STATUS_CHANGED, undefined, { keys: [asset('A')], collections: [] }, 'M')).toBe(false);
  });
});
