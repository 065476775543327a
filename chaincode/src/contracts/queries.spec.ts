import { ContractHarness } from '../testing/contract-harness';
import { LIMITS } from '../constants';
import type { Asset, AssetHistory, AssetPage } from '../domain/asset';
import { ACTORS, MSP, assetInput, rejectionOf } from '../testing/fixtures';
import { INDEX_VALUE, indexKey } from './ledger-keys';

const { manufacturer, carrier, auditor } = ACTORS;

async function lots(count: number, sku = 'SKU-COFFEE-1KG'): Promise<ContractHarness> {
  const h = new ContractHarness();
  for (let i = 0; i < count; i += 1) {
    const id = `LOT-${String(i).padStart(3, '0')}`;
    await h.submit(manufacturer, 'createAsset', [JSON.stringify(assetInput(id, { product: { sku, description: 'x' } }))]);
  }
  return h;
}

async function allPages(h: ContractHarness, fn: 'listAssetsByOwner' | 'listAssetsByCustodian' | 'listAssetsByStatus' | 'listAssetsBySku', value: string, pageSize: number): Promise<AssetPage[]> {
  const pages: AssetPage[] = [];
  let bookmark = '';
  do {
    const page = await h.evaluate<AssetPage>(auditor, fn, [value, pageSize, bookmark]);
    pages.push(page);
    bookmark = page.bookmark;
  } while (bookmark !== '');
  return pages;
}

describe('getAsset / assetExists', () => {
  it('reads an asset or reports it missing', async () => {
    const h = await lots(1);
    expect(await h.evaluate<Asset>(auditor, 'getAsset', ['LOT-000'])).toMatchObject({ id: 'LOT-000', docType: 'waybill.asset', schemaVersion: 1 });
    expect(await h.evaluate(auditor, 'assetExists', ['LOT-000'])).toBe(true);
    expect(await h.evaluate(auditor, 'assetExists', ['LOT-999'])).toBe(false);
    expect(await rejectionOf(h.evaluate(auditor, 'getAsset', ['LOT-999']))).toMatchObject({
      code: 'ASSET_NOT_FOUND',
      message: "ASSET_NOT_FOUND: asset 'LOT-999' does not exist",
    });
    expect(await rejectionOf(h.evaluate(auditor, 'getAsset', ['../etc']))).toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: 'INVALID_ARGUMENT: assetId must match ^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$',
    });
  });
});

describe('empty pages', () => {
  it('answer an empty page with an empty bookmark (the shim sends no metadata for them)', async () => {
    const h = await lots(1);
    const reader = { mspId: MSP.AUTHORITY, role: 'auditor' };
    expect(await h.evaluate<AssetPage>(reader, 'listAssetsByStatus', ['RECALLED', 5, ''])).toEqual({
      records: [],
      bookmark: '',
      fetchedRecordsCount: 0,
    });
  });
});

describe('read access', () => {
  it.each(['manufacturer', 'carrier', 'retailer', 'regulator', 'auditor', 'admin'])('every role reads, in the organisations that may use it: %s', async (role) => {
    const h = await lots(1);
    const reader = { mspId: role === 'regulator' || role === 'auditor' ? MSP.AUTHORITY : MSP.RETAILER, role };
    expect((await h.evaluate<Asset>(reader, 'getAsset', ['LOT-000'])).id).toBe('LOT-000');
    expect((await h.evaluate<AssetPage>(reader, 'listAssetsByStatus', ['CREATED', 5, ''])).records).toHaveLength(1);
    expect((await h.evaluate<AssetHistory>(reader, 'getAssetHistory', ['LOT-000'])).entries).toHaveLength(1);
  });
});

describe('getAssetHistory', () => {
  it('returns every version newest first with transaction id and timestamp', async () => {
    const h = await lots(1);
    const proposed = await h.submit(manufacturer, 'proposeHandover', ['LOT-000', MSP.CARRIER]);
    const accepted = await h.submit(carrier, 'acceptHandover', ['LOT-000']);
    const history = await h.evaluate<AssetHistory>(auditor, 'getAssetHistory', ['LOT-000']);
    expect(history.truncated).toBe(false);
    expect(history.entries.map((e) => [e.txId, e.isDelete, e.asset?.status, e.asset?.custodian])).toEqual([
      [accepted.txId, false, 'IN_TRANSIT', MSP.CARRIER],
      [proposed.txId, false, 'CREATED', MSP.MANUFACTURER],
      [expect.any(String), false, 'CREATED', MSP.MANUFACTURER],
    ]);
    expect(history.entries[0]?.timestamp).toBe(history.entries[0]?.asset?.updatedAt);
    expect(history.entries[0]?.timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(await rejectionOf(h.evaluate(auditor, 'getAssetHistory', ['LOT-999']))).toMatchObject({ code: 'ASSET_NOT_FOUND' });
  });

  it(`stops at ${LIMITS.MAX_HISTORY_ENTRIES} versions`, async () => {
    const h = await lots(1);
    const key = h.ledger.newTransaction({ peerMspId: null }).createCompositeKey('asset', ['LOT-000']);
    const versions = h.ledger.history.get(key) ?? [];
    const first = versions[0];
    if (first === undefined) throw new Error('no history');
    h.ledger.history.set(key, Array.from({ length: LIMITS.MAX_HISTORY_ENTRIES + 1 }, () => first));
    const history = await h.evaluate<AssetHistory>(auditor, 'getAssetHistory', ['LOT-000']);
    expect(history.entries).toHaveLength(LIMITS.MAX_HISTORY_ENTRIES);
    expect(history.truncated).toBe(true);
  });
});

describe('list queries (composite-key indexes, bookmarks)', () => {
  it('pages through every asset of an owner exactly once, in id order', async () => {
    const h = await lots(23);
    const pages = await allPages(h, 'listAssetsByOwner', MSP.MANUFACTURER, 10);
    expect(pages.map((p) => [p.records.length, p.fetchedRecordsCount])).toEqual([[10, 10], [10, 10], [3, 3]]);
    const ids = pages.flatMap((p) => p.records.map((r) => r.id));
    expect(ids).toEqual(Array.from({ length: 23 }, (_, i) => `LOT-${String(i).padStart(3, '0')}`));
  });

  it('follows owner, custodian, status and SKU as they change', async () => {
    const h = await lots(3);
    await h.submit(manufacturer, 'createAsset', [JSON.stringify(assetInput('TEA-1', { product: { sku: 'SKU-TEA', description: 'Tea' } }))]);
    await h.submit(manufacturer, 'proposeHandover', ['LOT-001', MSP.CARRIER]);
    await h.submit(carrier, 'acceptHandover', ['LOT-001']);
    const ids = async (fn: Parameters<typeof allPages>[1], value: string): Promise<string[]> =>
      (await allPages(h, fn, value, 100)).flatMap((p) => p.records.map((r) => r.id));
    expect(await ids('listAssetsByCustodian', MSP.CARRIER)).toEqual(['LOT-001']);
    expect(await ids('listAssetsByCustodian', MSP.MANUFACTURER)).toEqual(['LOT-000', 'LOT-002', 'TEA-1']);
    expect(await ids('listAssetsByOwner', MSP.MANUFACTURER)).toEqual(['LOT-000', 'LOT-001', 'LOT-002', 'TEA-1']);
    expect(await ids('listAssetsByStatus', 'IN_TRANSIT')).toEqual(['LOT-001']);
    expect(await ids('listAssetsByStatus', 'CREATED')).toEqual(['LOT-000', 'LOT-002', 'TEA-1']);
    expect(await ids('listAssetsBySku', 'SKU-TEA')).toEqual(['TEA-1']);
    expect(await ids('listAssetsByOwner', MSP.RETAILER)).toEqual([]);
  });

  it('skips index entries that do not match the asset', async () => {
    const h = await lots(2);
    const stub = h.ledger.newTransaction({ peerMspId: null });
    await stub.putState(indexKey(stub, 'owner', MSP.RETAILER, 'LOT-000'), INDEX_VALUE);
    await stub.putState(indexKey(stub, 'owner', MSP.RETAILER, 'GHOST'), INDEX_VALUE);
    h.ledger.commit(stub);
    const page = await h.evaluate<AssetPage>(auditor, 'listAssetsByOwner', [MSP.RETAILER, 10, '']);
    expect(page).toEqual({ records: [], bookmark: '', fetchedRecordsCount: 2 });
    expect(h.logs.filter((l) => l.level === 'warn')).toHaveLength(2);
  });

  it.each([
    ['page size 0', ['listAssetsByOwner', MSP.MANUFACTURER, 0, ''], `INVALID_ARGUMENT: pageSize must be an integer in 1..${LIMITS.MAX_PAGE_SIZE}`],
    ['page size too large', ['listAssetsByOwner', MSP.MANUFACTURER, LIMITS.MAX_PAGE_SIZE + 1, ''], `INVALID_ARGUMENT: pageSize must be an integer in 1..${LIMITS.MAX_PAGE_SIZE}`],
    ['fractional page size', ['listAssetsByOwner', MSP.MANUFACTURER, 2.5, ''], `INVALID_ARGUMENT: pageSize must be an integer in 1..${LIMITS.MAX_PAGE_SIZE}`],
    ['unknown status', ['listAssetsByStatus', 'LOST', 10, ''], 'INVALID_ARGUMENT: status must be one of CREATED, IN_TRANSIT, DELIVERED, ON_HOLD, RECALLED, SOLD, CONSUMED, DESTROYED'],
    ['malformed owner', ['listAssetsByOwner', 'not an msp', 10, ''], 'INVALID_ARGUMENT: owner must match ^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$'],
    ['malformed custodian', ['listAssetsByCustodian', '', 10, ''], 'INVALID_ARGUMENT: custodian must match ^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$'],
    ['malformed sku', ['listAssetsBySku', ' sku', 10, ''], 'INVALID_ARGUMENT: sku must match ^[A-Za-z0-9][A-Za-z0-9._:/-]{0,63}$'],
    ['foreign bookmark', ['listAssetsBySku', 'SKU-COFFEE-1KG', 10, '\u0000owner~id\u0000X\u0000'], 'INVALID_ARGUMENT: bookmark does not belong to this sku query'],
  ] as const)('rejects %s', async (_name, [fn, ...args], message) => {
    const h = await lots(1);
    expect(await rejectionOf(h.evaluate(auditor, fn, args))).toMatchObject({ code: 'INVALID_ARGUMENT', message });
  });

  it('never writes', async () => {
    const h = await lots(3);
    const stub = h.ledger.newTransaction({ peerMspId: MSP.RETAILER, fcn: 'listAssetsBySku' });
    await h.contract.listAssetsBySku(h.context(auditor, stub), 'SKU-COFFEE-1KG', 2, '');
    expect(stub.writes.size + stub.events.length).toBe(0);
    expect(stub.paginatedQueries).toBe(1);
  });
});
