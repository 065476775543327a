import { EVENTS } from '@waybill/chaincode/constants';
import type { Asset } from '../assets/asset.types';
import { FakeLedger } from '../ledger/testing/fake-ledger';
import { anAsset, withAssets } from './fake-assets';

/** A fake chaincode: createAsset and putOnHold change the asset map and emit their events. */
export function eventChaincode(assets: Map<string, Asset>): FakeLedger {
  const ledger = withAssets(new FakeLedger('ManufacturerMSP'), assets);
  ledger.handle('createAsset', (c) => {
    const input = JSON.parse(c.args[0] ?? '{}') as { id: string; product: Asset['product'] };
    const asset = anAsset({
      id: input.id,
      product: input.product,
      createdAt: new Date().toISOString(),
      updatedAt: new Date().toISOString(),
      createdTxId: c.txId,
      updatedTxId: c.txId,
    });
    assets.set(asset.id, asset);
    c.emit(EVENTS.ASSET_CREATED, { event: EVENTS.ASSET_CREATED, txId: c.txId, assetId: asset.id, status: 'CREATED' });
    return asset;
  });
  ledger.handle('putOnHold', (c) => {
    const asset = assets.get(c.args[0] ?? '');
    if (!asset) throw new Error('no asset');
    const held = { ...asset, status: 'ON_HOLD' as const, updatedTxId: c.txId, updatedAt: new Date().toISOString() };
    assets.set(held.id, held);
    c.emit(EVENTS.STATUS_CHANGED, { event: EVENTS.STATUS_CHANGED, txId: c.txId, assetId: held.id, status: 'ON_HOLD' });
    return held;
  });
  return ledger;
}

/** Waits until `check` holds, polling every 10 ms; throws after `ms`. */
export const until = async (check: () => Promise<boolean> | boolean, ms = 5_000): Promise<void> => {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
};

/** The object with a `close()` that does nothing (private fields keep working: methods are bound). */
export function keepOpen<T extends object>(target: T): T {
  return new Proxy(target, {
    get(obj, prop) {
      if (prop === 'close') return () => Promise.resolve();
      const value: unknown = Reflect.get(obj, prop, obj);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(obj) : value;
    },
  });
}
