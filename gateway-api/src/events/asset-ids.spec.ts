// The chaincode's own catalogue (source, read-only).
import { EVENT_CATALOGUE } from '../../../chaincode/src/contracts/event-catalogue';
import { EVENTS } from '@waybill/chaincode/constants';
import { assetIdsOf } from './asset-ids';

describe('assetIdsOf', () => {
  it('takes assetId for single-asset events', () => {
    expect(assetIdsOf(EVENTS.STATUS_CHANGED, { assetId: 'LOT-1', status: 'ON_HOLD' })).toEqual(['LOT-1']);
  });

  it('puts the parent first for a split, the new lot first for a merge, the root first for a recall', () => {
    expect(assetIdsOf(EVENTS.ASSET_SPLIT, { parentId: 'P', childIds: ['C1', 'C2'] })).toEqual(['P', 'C1', 'C2']);
    expect(assetIdsOf(EVENTS.ASSETS_MERGED, { childId: 'M', parentIds: ['A', 'B'] })).toEqual(['M', 'A', 'B']);
    expect(assetIdsOf(EVENTS.ASSET_RECALLED, { rootAssetId: 'R', markedAssetIds: ['R', 'D'] })).toEqual([
      'R',
      'D',
    ]);
    expect(assetIdsOf(EVENTS.RECORDS_IMPORTED, { root: 'r', assetIds: ['A', 'B', 'A'] })).toEqual(['A', 'B']);
  });

  it('yields nothing for a payload that is not an object', () => {
    expect(assetIdsOf(EVENTS.ASSET_CREATED, undefined)).toEqual([]);
    expect(assetIdsOf(EVENTS.ASSET_SPLIT, 'text')).toEqual([]);
  });

  it('knows an asset field for every asset event of the catalogue (GovernanceChanged and MigrationAttested are about the channel)', () => {
    const assetFields = ['assetId', 'parentId', 'childId', 'rootAssetId', 'assetIds'];
    const channelEvents: string[] = [EVENTS.GOVERNANCE_CHANGED, EVENTS.MIGRATION_ATTESTED];
    for (const [name, d] of Object.entries(EVENT_CATALOGUE).filter(([n]) => !channelEvents.includes(n))) {
      expect([name, Object.keys(d.fields).some((f) => assetFields.includes(f))]).toEqual([name, true]);
    }
  });
});
