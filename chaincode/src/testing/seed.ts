import { type Asset, newAsset } from '../domain/asset';
import { AssetStore } from '../contracts/asset-store';
import type { InMemoryLedger } from './in-memory-stub';
import { MSP } from './fixtures';

/** A complete asset record with test defaults (owner and custodian: the manufacturer). */
export function buildAsset(id: string, overrides: Partial<Asset> = {}): Asset {
  const asset = newAsset(
    {
      id,
      product: { sku: 'SKU-COFFEE-1KG', description: 'Roasted coffee beans, 1 kg bags' },
      quantity: { amount: 100, unit: 'kg' },
      origin: { site: 'Plant 7', country: 'CO' },
      attributes: { grade: 'A' },
      owner: MSP.MANUFACTURER,
      custodian: MSP.MANUFACTURER,
      manufacturers: [MSP.MANUFACTURER],
      status: 'CREATED',
    },
    '2025-01-01T00:00:00.000Z',
    'seed',
  );
  return { ...asset, ...overrides };
}

/**
 * Writes assets straight into committed state, with their index entries and key-level policies,
 * as if earlier transactions had produced them (to test a transition from any state).
 */
export async function seedAssets(ledger: InMemoryLedger, ...assets: Asset[]): Promise<void> {
  const stub = ledger.newTransaction({ peerMspId: null });
  const store = new AssetStore(stub);
  for (const asset of assets) {
    await store.create(asset);
  }
  ledger.commit(stub);
}
