import { newAsset } from '../../../chaincode/src/domain/asset';
import type { Asset } from '../assets/asset.types';
import { chaincodeError, type FakeLedger } from '../ledger/testing/fake-ledger';

/** An asset as the chaincode returns it (the chaincode's own constructor), with overrides. */
export function anAsset(overrides: Partial<Asset> & { id: string }): Asset {
  const at = '2025-01-01T00:00:00.000Z';
  // The same JSON; the gateway's view classes (OpenAPI) only drop the readonly modifiers.
  const asset = newAsset(
    {
      id: overrides.id,
      product: { sku: 'COFFEE-1KG', description: 'Arabica, 1 kg' },
      quantity: { amount: 100, unit: 'kg' },
      origin: { site: 'Finca El Paraiso', country: 'CO' },
      owner: 'ManufacturerMSP',
      custodian: 'ManufacturerMSP',
      manufacturers: ['ManufacturerMSP'],
      status: 'CREATED',
    },
    at,
    'c'.repeat(64),
  ) as unknown as Asset;
  return { ...asset, ...overrides };
}

/**
 * A minimal stand-in for the chaincode's asset store on a {@link FakeLedger}: getAsset and the
 * list queries over a map the test controls. Writes are registered by each test.
 */
export function withAssets(ledger: FakeLedger, assets: Map<string, Asset>): FakeLedger {
  const list = (field: (a: Asset) => string) => (c: { args: readonly string[] }) => {
    const [value, size, bookmark] = c.args;
    const all = [...assets.values()]
      .filter((a) => field(a) === value)
      .sort((a, b) => a.id.localeCompare(b.id));
    const start = bookmark ? all.findIndex((a) => a.id === bookmark) : 0;
    const records = all.slice(start, start + Number(size));
    return { records, bookmark: all[start + Number(size)]?.id ?? '', fetchedRecordsCount: records.length };
  };
  return ledger
    .handle('getAsset', (c) => {
      const asset = assets.get(c.args[0] ?? '');
      if (!asset)
        throw chaincodeError('ASSET_NOT_FOUND', `asset '${c.args[0]}' does not exist`, 'evaluate', c.txId);
      return asset;
    })
    .handle(
      'listAssetsByOwner',
      list((a) => a.owner),
    )
    .handle(
      'listAssetsByCustodian',
      list((a) => a.custodian),
    )
    .handle(
      'listAssetsByStatus',
      list((a) => a.status),
    )
    .handle(
      'listAssetsBySku',
      list((a) => a.product.sku),
    );
}
