import type { Asset, AssetHistoryEntry } from './api/client';

/** An asset as the API returns it, with overrides (console unit tests). */
export function anAsset(overrides: Partial<Asset> = {}): Asset {
  return {
    docType: 'waybill.asset',
    schemaVersion: 1,
    id: 'LOT-1',
    product: { sku: 'SKU-1', description: 'Olives' },
    quantity: { amount: 10, unit: 'case' },
    origin: { site: 'Plant 7', country: 'IT' },
    attributes: {},
    documents: [],
    personalDataRefs: [],
    owner: 'ManufacturerMSP',
    custodian: 'ManufacturerMSP',
    manufacturers: ['ManufacturerMSP'],
    status: 'CREATED',
    hold: null,
    recall: null,
    parents: [],
    children: [],
    pendingHandover: null,
    pendingSale: null,
    createdAt: '2026-01-01T00:00:00.000Z',
    createdTxId: 'c'.repeat(64),
    updatedAt: '2026-01-01T00:00:00.000Z',
    updatedTxId: 'c'.repeat(64),
    ...overrides,
  };
}

/** A history entry of `asset` written by transaction `n`. */
export function version(n: number, asset: Asset | null): AssetHistoryEntry {
  return {
    txId: n.toString(16).padStart(64, '0'),
    timestamp: new Date(Date.UTC(2026, 0, 1, 0, n)).toISOString(),
    isDelete: asset === null,
    asset,
  };
}
