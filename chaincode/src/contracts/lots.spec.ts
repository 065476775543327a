import { ContractHarness } from '../testing/contract-harness';
import { EVENTS, LIMITS } from '../constants';
import type { Asset, Lineage, SplitResult } from '../domain/asset';
import { ACTORS, MSP, assetInput, rejectionOf } from '../testing/fixtures';

const { manufacturer, carrier, auditor } = ACTORS;

async function withAssets(...inputs: Record<string, unknown>[]): Promise<ContractHarness> {
  const h = new ContractHarness();
  for (const input of inputs) {
    await h.submit(manufacturer, 'createAsset', [JSON.stringify(input)]);
  }
  return h;
}

const split = (parts: unknown[]): string => JSON.stringify({ parts });

describe('split', () => {
  it('creates sub-lots whose amounts add up exactly, with lineage both ways', async () => {
    const h = await withAssets(assetInput('LOT-1', { quantity: { amount: 0.3, unit: 'kg' } }));
    const { result, events, requiredEndorsers } = await h.submit<SplitResult>(manufacturer, 'splitAsset', [
      'LOT-1',
      split([{ id: 'LOT-1.a', amount: 0.1 }, { id: 'LOT-1.b', amount: 0.2, attributes: { grade: 'B' } }]),
    ]);
    expect(result.parent).toMatchObject({ status: 'CONSUMED', children: ['LOT-1.a', 'LOT-1.b'] });
    expect(result.children.map((c) => [c.id, c.quantity.amount, c.parents, c.status, c.attributes])).toEqual([
      ['LOT-1.a', 0.1, ['LOT-1'], 'CREATED', { grade: 'A', lot: 'L-2025-001' }],
      ['LOT-1.b', 0.2, ['LOT-1'], 'CREATED', { grade: 'B' }],
    ]);
    expect(result.children[0]).toMatchObject({ owner: MSP.MANUFACTURER, custodian: MSP.MANUFACTURER, manufacturers: [MSP.MANUFACTURER], documents: [], personalDataRefs: [] });
    expect(events[0]).toMatchObject({ name: EVENTS.ASSET_SPLIT, payload: { parentId: 'LOT-1', childIds: ['LOT-1.a', 'LOT-1.b'], amounts: [0.1, 0.2], status: 'CONSUMED', childStatus: 'CREATED' } });
    expect(requiredEndorsers).toEqual([MSP.MANUFACTURER]);
    expect((await h.evaluate<Asset>(auditor, 'getAsset', ['LOT-1.b'])).parents).toEqual(['LOT-1']);
  });

  it.each([
    ['too little', [{ id: 'a', amount: 60 }, { id: 'b', amount: 39.999999 }], "CONFLICT: parts add up to 99.999999 kg, asset 'LOT-1' has 100"],
    ['too much', [{ id: 'a', amount: 60 }, { id: 'b', amount: 41 }], "CONFLICT: parts add up to 101 kg, asset 'LOT-1' has 100"],
    ['one part', [{ id: 'a', amount: 100 }], `INVALID_ARGUMENT: input.parts must have 2..${LIMITS.MAX_SPLIT_PARTS} items`],
    ['zero amount', [{ id: 'a', amount: 100 }, { id: 'b', amount: 0 }], 'INVALID_ARGUMENT: input.parts[1].amount must be positive'],
    ['negative amount', [{ id: 'a', amount: 101 }, { id: 'b', amount: -1 }], 'INVALID_ARGUMENT: input.parts[1].amount must be positive'],
    ['seven decimals', [{ id: 'a', amount: 99.9999999 }, { id: 'b', amount: 0.0000001 }], 'INVALID_ARGUMENT: input.parts[0].amount must have at most 6 decimal places'],
    ['string amount', [{ id: 'a', amount: '50' }, { id: 'b', amount: 50 }], 'INVALID_ARGUMENT: input.parts[0].amount must be a number'],
    ['duplicate ids', [{ id: 'a', amount: 50 }, { id: 'a', amount: 50 }], "INVALID_ARGUMENT: input.parts has duplicate id 'a'"],
    ['parent id', [{ id: 'LOT-1', amount: 50 }, { id: 'b', amount: 50 }], "ASSET_EXISTS: asset 'LOT-1' already exists"],
    ['unknown field', [{ id: 'a', amount: 50, unit: 'g' }, { id: 'b', amount: 50 }], "INVALID_ARGUMENT: input.parts[0] has unknown field(s) 'unit'; allowed: id, amount, attributes"],
  ])('rejects parts: %s', async (_name, parts, message) => {
    const h = await withAssets(assetInput('LOT-1'));
    expect(await rejectionOf(h.submit(manufacturer, 'splitAsset', ['LOT-1', split(parts)]))).toMatchObject({ code: message.slice(0, message.indexOf(':')), message });
  });

  it('rejects a sub-lot id that already exists', async () => {
    const h = await withAssets(assetInput('LOT-1'), assetInput('LOT-2'));
    expect(await rejectionOf(h.submit(manufacturer, 'splitAsset', ['LOT-1', split([{ id: 'LOT-2', amount: 50 }, { id: 'x', amount: 50 }])]))).toMatchObject({
      code: 'ASSET_EXISTS',
      message: "ASSET_EXISTS: asset 'LOT-2' already exists",
    });
  });

  it('refuses while a handover is pending', async () => {
    const h = await withAssets(assetInput('LOT-1'));
    await h.submit(manufacturer, 'proposeHandover', ['LOT-1', MSP.CARRIER]);
    expect(await rejectionOf(h.submit(manufacturer, 'splitAsset', ['LOT-1', split([{ id: 'a', amount: 50 }, { id: 'b', amount: 50 }])]))).toMatchObject({
      code: 'CONFLICT',
      message: `CONFLICT: cannot splitAsset asset 'LOT-1': a handover to ${MSP.CARRIER} is pending`,
    });
  });
});

describe('merge', () => {
  const merge = (input: Record<string, unknown>): string => JSON.stringify(input);

  it('creates a lot with the exact sum, lineage both ways and the union of manufacturers', async () => {
    const h = await withAssets(
      assetInput('A', { quantity: { amount: 0.1, unit: 'kg' } }),
      assetInput('B', { quantity: { amount: 0.2, unit: 'kg' } }),
    );
    const { result, events } = await h.submit<Asset>(manufacturer, 'mergeAssets', [merge({ newAssetId: 'AB', assetIds: ['A', 'B'], attributes: { grade: 'mixed' } })]);
    expect(result).toMatchObject({ id: 'AB', quantity: { amount: 0.3, unit: 'kg' }, parents: ['A', 'B'], status: 'CREATED', attributes: { grade: 'mixed' }, origin: { site: 'Plant 7', country: 'CO' } });
    expect(events[0]).toMatchObject({ name: EVENTS.ASSETS_MERGED, payload: { parentIds: ['A', 'B'], childId: 'AB', quantity: { amount: 0.3, unit: 'kg' } } });
    for (const id of ['A', 'B']) {
      expect(await h.evaluate<Asset>(auditor, 'getAsset', [id])).toMatchObject({ status: 'CONSUMED', children: ['AB'] });
    }
  });

  it.each([
    ['SKUs', { product: { sku: 'OTHER', description: 'x' } }, "CONFLICT: cannot merge 'A' and 'B': SKUs differ (SKU-COFFEE-1KG vs OTHER)"],
    ['units', { quantity: { amount: 5, unit: 'lb' } }, "CONFLICT: cannot merge 'A' and 'B': units differ (kg vs lb)"],
  ])('refuses different %s', async (_name, overrides, message) => {
    const h = await withAssets(assetInput('A'), assetInput('B', overrides));
    expect(await rejectionOf(h.submit(manufacturer, 'mergeAssets', [merge({ newAssetId: 'AB', assetIds: ['A', 'B'] })]))).toMatchObject({ code: 'CONFLICT', message });
  });

  it('refuses different statuses and different holders', async () => {
    const h = await withAssets(assetInput('A'), assetInput('B'), assetInput('C'));
    await h.submit(manufacturer, 'proposeHandover', ['B', MSP.CARRIER]);
    await h.submit(carrier, 'acceptHandover', ['B']);
    await h.submit(carrier, 'proposeHandover', ['B', MSP.MANUFACTURER]);
    await h.submit(manufacturer, 'acceptHandover', ['B']);
    expect(await rejectionOf(h.submit(manufacturer, 'mergeAssets', [merge({ newAssetId: 'AB', assetIds: ['A', 'B'] })]))).toMatchObject({
      code: 'CONFLICT',
      message: "CONFLICT: cannot merge 'A' and 'B': statuses differ (CREATED vs DELIVERED)",
    });
    await h.submit(manufacturer, 'proposeHandover', ['C', MSP.CARRIER]);
    await h.submit(carrier, 'acceptHandover', ['C']);
    expect(await rejectionOf(h.submit(manufacturer, 'mergeAssets', [merge({ newAssetId: 'AC', assetIds: ['A', 'C'] })]))).toMatchObject({
      code: 'INVALID_TRANSITION',
    });
  });

  it('requires an origin when the inputs’ origins differ', async () => {
    const h = await withAssets(assetInput('A'), assetInput('B', { origin: { site: 'Plant 9', country: 'BR' } }));
    expect(await rejectionOf(h.submit(manufacturer, 'mergeAssets', [merge({ newAssetId: 'AB', assetIds: ['A', 'B'] })]))).toMatchObject({
      code: 'CONFLICT',
      message: 'CONFLICT: the merged assets have different origins; give input.origin for the new lot',
    });
    const { result } = await h.submit<Asset>(manufacturer, 'mergeAssets', [merge({ newAssetId: 'AB', assetIds: ['A', 'B'], origin: { site: 'Blend hall', country: 'DE' } })]);
    expect(result.origin).toEqual({ site: 'Blend hall', country: 'DE' });
  });

  it.each([
    ['one input', { newAssetId: 'N', assetIds: ['A'] }, `INVALID_ARGUMENT: input.assetIds must have 2..${LIMITS.MAX_MERGE_INPUTS} items`],
    ['duplicate inputs', { newAssetId: 'N', assetIds: ['A', 'A'] }, "INVALID_ARGUMENT: input.assetIds has duplicate id 'A'"],
    ['new id among inputs', { newAssetId: 'A', assetIds: ['A', 'B'] }, 'INVALID_ARGUMENT: input.newAssetId must differ from the merged asset ids'],
    ['existing new id', { newAssetId: 'B', assetIds: ['A', 'C'] }, ''],
  ])('rejects %s', async (name, input, message) => {
    const h = await withAssets(assetInput('A'), assetInput('B'), assetInput('C'));
    const error = await rejectionOf(h.submit(manufacturer, 'mergeAssets', [merge(input)]));
    if (name === 'existing new id') {
      expect(error).toMatchObject({ code: 'ASSET_EXISTS', message: "ASSET_EXISTS: asset 'B' already exists" });
    } else {
      expect(error).toMatchObject({ code: 'INVALID_ARGUMENT', message });
    }
  });

  it('rejects a missing input', async () => {
    const h = await withAssets(assetInput('A'));
    expect(await rejectionOf(h.submit(manufacturer, 'mergeAssets', [merge({ newAssetId: 'N', assetIds: ['A', 'NOPE'] })]))).toMatchObject({
      code: 'ASSET_NOT_FOUND',
      message: "ASSET_NOT_FOUND: asset 'NOPE' does not exist",
    });
  });
});

describe('lineage', () => {
  /** ROOT → split (R.1, R.2); R.1 → split (R.1.1, R.1.2); R.1.1 + X → merge M. */
  async function tree(): Promise<ContractHarness> {
    const h = await withAssets(assetInput('ROOT'), assetInput('X', { quantity: { amount: 10, unit: 'kg' } }));
    await h.submit(manufacturer, 'splitAsset', ['ROOT', split([{ id: 'R.1', amount: 40 }, { id: 'R.2', amount: 60 }])]);
    await h.submit(manufacturer, 'splitAsset', ['R.1', split([{ id: 'R.1.1', amount: 10 }, { id: 'R.1.2', amount: 30 }])]);
    await h.submit(manufacturer, 'mergeAssets', [JSON.stringify({ newAssetId: 'M', assetIds: ['R.1.1', 'X'] })]);
    return h;
  }

  it('lists ancestors and descendants breadth-first with their depth', async () => {
    const h = await tree();
    const down = await h.evaluate<Lineage>(auditor, 'getLineage', ['ROOT', 10]);
    expect(down.descendants.map((n) => [n.id, n.depth])).toEqual([['R.1', 1], ['R.2', 1], ['R.1.1', 2], ['R.1.2', 2], ['M', 3]]);
    expect(down.ancestors).toEqual([]);
    expect(down.truncated).toBe(false);
    const up = await h.evaluate<Lineage>(auditor, 'getLineage', ['M', 10]);
    expect(up.ancestors.map((n) => [n.id, n.depth])).toEqual([['R.1.1', 1], ['X', 1], ['R.1', 2], ['ROOT', 3]]);
    expect(up.ancestors[0]).toMatchObject({ sku: 'SKU-COFFEE-1KG', status: 'CONSUMED', owner: MSP.MANUFACTURER, quantity: { amount: 10, unit: 'kg' }, parents: ['R.1'], children: ['M'] });
  });

  it('stops at the requested depth and says so', async () => {
    const h = await tree();
    const lineage = await h.evaluate<Lineage>(auditor, 'getLineage', ['ROOT', 1]);
    expect(lineage.descendants.map((n) => n.id)).toEqual(['R.1', 'R.2']);
    expect(lineage.truncated).toBe(true);
  });

  it.each([0, 11, 1.5, Number.NaN])('rejects depth %p', async (depth) => {
    const h = await tree();
    expect(await rejectionOf(h.evaluate(auditor, 'getLineage', ['ROOT', depth]))).toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: `INVALID_ARGUMENT: depth must be an integer in 1..${LIMITS.MAX_LINEAGE_DEPTH}`,
    });
  });
});
