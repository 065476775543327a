import { type Asset, newAsset } from '../domain/asset';
import { AssetStore } from '../contracts/asset-store';
import { createCompositeKey, type InMemoryLedger } from './in-memory-stub';
import { majorityPolicy } from '../contracts/endorsement';
import { KEY_TYPES } from '../contracts/ledger-keys';
import { canonicalBytes } from '../domain/canonical-json';
import type { Governance } from '../domain/governance';
import { GOVERNANCE_INPUT, MSP } from './fixtures';

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

/** Writes the default topology's governance record into committed state (as `initGovernance` would). */
export function seedGovernance(ledger: InMemoryLedger): void {
  const record: Governance = {
    docType: 'waybill.governance',
    schemaVersion: 1,
    version: GOVERNANCE_INPUT.version,
    members: [...GOVERNANCE_INPUT.members],
    oversight: [...GOVERNANCE_INPUT.oversight],
    updatedAt: '2025-01-01T00:00:00.000Z',
    updatedTxId: 'seed',
  };
  // Straight into committed state, outside any transaction: the ledger's clock and transaction
  // counter stay where tests expect them (and a harness constructor cannot await).
  const key = createCompositeKey(KEY_TYPES.GOVERNANCE, ['current']);
  ledger.state.set(key, canonicalBytes(record));
  ledger.validationParameters.set(key, majorityPolicy(record.members));
}
