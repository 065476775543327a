import { ContractHarness } from '../testing/contract-harness';
import { EVENTS, LIMITS } from '../constants';
import type { Asset, Lineage } from '../domain/asset';
import type { RecallProgress, RecallRecord } from '../domain/recall';
import { ACTORS, MSP, assetInput, rejectionOf } from '../testing/fixtures';

const { manufacturer, retailer, regulator, manufacturerAtRetailer, auditor } = ACTORS;

const parts = (prefix: string, count: number, each: number): string =>
  JSON.stringify({ parts: Array.from({ length: count }, (_, i) => ({ id: `${prefix}.${i}`, amount: each })) });

/** ROOT (5000 kg) → 50 sub-lots of 100 kg; `fanOut` of them → 50 sub-lots of 2 kg each. */
async function bigTree(fanOut: number): Promise<ContractHarness> {
  const h = new ContractHarness();
  await h.submit(manufacturer, 'createAsset', [JSON.stringify(assetInput('ROOT', { quantity: { amount: 5000, unit: 'kg' } }))]);
  await h.submit(manufacturer, 'splitAsset', ['ROOT', parts('R', 50, 100)]);
  for (let i = 0; i < fanOut; i += 1) {
    await h.submit(manufacturer, 'splitAsset', [`R.${i}`, parts(`R.${i}`, 50, 2)]);
  }
  return h;
}

describe('recall', () => {
  it('marks the asset and every descendant in bounded batches, continued until complete', async () => {
    const h = await bigTree(2); // 1 + 50 + 100 = 151 assets
    const first = await h.submit<RecallProgress>(regulator, 'recallAsset', ['ROOT', 'Salmonella found in batch']);
    expect(first.result).toMatchObject({ rootAssetId: 'ROOT', markedCount: 50, remaining: 101, complete: false });
    expect(first.result.markedAssetIds).toHaveLength(LIMITS.RECALL_BATCH_SIZE);
    expect(first.events[0]).toMatchObject({
      name: EVENTS.ASSET_RECALLED,
      payload: { recallId: first.txId, rootAssetId: 'ROOT', complete: false, remaining: 101, reason: 'Salmonella found in batch', actorRole: 'regulator' },
    });
    const recallId = first.result.recallId;
    expect(recallId).toBe(first.txId);

    const progress: RecallProgress[] = [first.result];
    while (progress[progress.length - 1]?.complete === false) {
      progress.push((await h.submit<RecallProgress>(regulator, 'continueRecall', [recallId])).result);
    }
    expect(progress.map((p) => [p.markedAssetIds.length, p.remaining, p.complete])).toEqual([
      [50, 101, false],
      [50, 51, false],
      [50, 1, false],
      [1, 0, true],
    ]);
    const marked = progress.flatMap((p) => p.markedAssetIds);
    expect(new Set(marked).size).toBe(151);

    const root = await h.evaluate<Asset>(auditor, 'getAsset', ['ROOT']);
    expect(root).toMatchObject({ status: 'CONSUMED', recall: { recallId, rootAssetId: 'ROOT' } });
    const leaf = await h.evaluate<Asset>(auditor, 'getAsset', ['R.1.49']);
    expect(leaf).toMatchObject({ status: 'RECALLED', recall: { recallId } });
    expect(await h.evaluate<RecallRecord>(auditor, 'getRecall', [recallId])).toMatchObject({
      recallId,
      rootAssetId: 'ROOT',
      initiatorOrg: MSP.AUTHORITY,
      initiatorRole: 'regulator',
      queue: [],
      markedCount: 151,
      complete: true,
    });
    expect(await rejectionOf(h.submit(regulator, 'continueRecall', [recallId]))).toMatchObject({
      code: 'CONFLICT',
      message: `CONFLICT: recall '${recallId}' is already complete`,
    });
  });

  it('keeps the status of sold, consumed and destroyed assets, marking them only', async () => {
    const h = new ContractHarness();
    await h.submit(manufacturer, 'createAsset', [JSON.stringify(assetInput('P'))]);
    const threeParts = { parts: [{ id: 'P.0', amount: 50 }, { id: 'P.1', amount: 30 }, { id: 'P.2', amount: 20 }] };
    await h.submit(manufacturer, 'splitAsset', ['P', JSON.stringify(threeParts)]);
    await h.submit(manufacturer, 'destroyAsset', ['P.0']);
    await h.submit(manufacturer, 'putOnHold', ['P.1', 'inspection']);
    const { result } = await h.submit<RecallProgress>(manufacturer, 'recallAsset', ['P', 'label error']);
    expect(result).toMatchObject({ complete: true, markedCount: 4 });
    const statuses = await Promise.all(['P', 'P.0', 'P.1', 'P.2'].map(async (id) => (await h.evaluate<Asset>(auditor, 'getAsset', [id])).status));
    expect(statuses).toEqual(['CONSUMED', 'DESTROYED', 'RECALLED', 'RECALLED']);
    expect((await h.evaluate<Asset>(auditor, 'getAsset', ['P.1'])).hold).toBeNull();
  });

  it('reaches a merged lot once even through two recalled parents', async () => {
    const h = new ContractHarness();
    await h.submit(manufacturer, 'createAsset', [JSON.stringify(assetInput('P'))]);
    await h.submit(manufacturer, 'splitAsset', ['P', JSON.stringify({ parts: [{ id: 'P.0', amount: 50 }, { id: 'P.1', amount: 50 }] })]);
    await h.submit(manufacturer, 'mergeAssets', [JSON.stringify({ newAssetId: 'M', assetIds: ['P.0', 'P.1'] })]);
    const { result } = await h.submit<RecallProgress>(manufacturer, 'recallAsset', ['P', 'label error']);
    expect(result.markedAssetIds).toEqual(['P', 'P.0', 'P.1', 'M']);
  });

  it('is reserved to a manufacturer of the product or a regulator', async () => {
    const h = new ContractHarness();
    await h.submit(manufacturer, 'createAsset', [JSON.stringify(assetInput('P'))]);
    expect(await rejectionOf(h.submit(manufacturerAtRetailer, 'recallAsset', ['P', 'x']))).toMatchObject({
      code: 'FORBIDDEN',
      message: `FORBIDDEN: organisation ${MSP.RETAILER} is not a manufacturer of the product of asset 'P' (manufacturers ${MSP.MANUFACTURER})`,
    });
    expect(await rejectionOf(h.submit(retailer, 'recallAsset', ['P', 'x']))).toMatchObject({
      code: 'FORBIDDEN',
      message: "FORBIDDEN: role 'retailer' may not recallAsset; requires role manufacturer or regulator",
    });
  });

  it('continuation follows the same authority', async () => {
    const h = await bigTree(1);
    const { result } = await h.submit<RecallProgress>(manufacturer, 'recallAsset', ['ROOT', 'x']);
    expect(await rejectionOf(h.submit(manufacturerAtRetailer, 'continueRecall', [result.recallId]))).toMatchObject({ code: 'FORBIDDEN' });
    expect(await rejectionOf(h.submit(auditor, 'continueRecall', [result.recallId]))).toMatchObject({ code: 'FORBIDDEN' });
    expect((await h.submit<RecallProgress>(regulator, 'continueRecall', [result.recallId])).result.remaining).toBe(1);
    expect((await h.submit<RecallProgress>(manufacturer, 'continueRecall', [result.recallId])).result.complete).toBe(true);
  });

  it('reports unknown recalls and validates inputs', async () => {
    const h = new ContractHarness();
    await h.submit(manufacturer, 'createAsset', [JSON.stringify(assetInput('P'))]);
    expect(await rejectionOf(h.submit(regulator, 'continueRecall', ['nope']))).toMatchObject({
      code: 'RECALL_NOT_FOUND',
      message: "RECALL_NOT_FOUND: recall 'nope' does not exist",
    });
    expect(await rejectionOf(h.evaluate(auditor, 'getRecall', ['nope']))).toMatchObject({ code: 'RECALL_NOT_FOUND' });
    expect(await rejectionOf(h.submit(regulator, 'recallAsset', ['P', ' ']))).toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: 'INVALID_ARGUMENT: reason must not be blank',
    });
    expect(await rejectionOf(h.submit(regulator, 'recallAsset', ['P', 'x'.repeat(257)]))).toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: `INVALID_ARGUMENT: reason must be at most ${LIMITS.MAX_REASON_LENGTH} characters`,
    });
    expect(await rejectionOf(h.submit(regulator, 'recallAsset', ['NOPE', 'x']))).toMatchObject({ code: 'ASSET_NOT_FOUND' });
  });

  it('blocks acceptance of a handover pending on a recalled asset, which can still be withdrawn', async () => {
    const h = new ContractHarness();
    await h.submit(manufacturer, 'createAsset', [JSON.stringify(assetInput('P'))]);
    await h.submit(manufacturer, 'proposeHandover', ['P', MSP.RETAILER]);
    await h.submit(regulator, 'recallAsset', ['P', 'x']);
    expect(await rejectionOf(h.submit(retailer, 'acceptHandover', ['P']))).toMatchObject({ code: 'INVALID_TRANSITION' });
    expect((await h.submit<Asset>(retailer, 'rejectHandover', ['P'])).result.pendingHandover).toBeNull();
  });
});

describe('lineage bounds', () => {
  it(`returns at most ${LIMITS.MAX_LINEAGE_NODES} descendants and says it truncated`, async () => {
    const h = await bigTree(4); // 50 + 200 descendants
    const lineage = await h.evaluate<Lineage>(auditor, 'getLineage', ['ROOT', 10]);
    expect(lineage.descendants).toHaveLength(LIMITS.MAX_LINEAGE_NODES);
    expect(lineage.truncated).toBe(true);
  });
});
