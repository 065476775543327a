import type { ChaincodeStub } from 'fabric-shim-api';
import { ALL_ASSET_STATUSES } from '../constants';
import type { Asset } from '../domain/asset';
import { canonicalBytes } from '../domain/canonical-json';
import { WaybillError } from '../domain/errors';
import { RE } from '../domain/validation';
import { holdersPolicy } from './endorsement';
import { INDEX_NAMES, INDEX_VALUE, assetKey, indexKey, type IndexName } from './ledger-keys';

/** Value of an asset under each index. */
export function indexValue(asset: Asset, index: IndexName): string {
  switch (index) {
    case 'owner':
      return asset.owner;
    case 'custodian':
      return asset.custodian;
    case 'status':
      return asset.status;
    case 'sku':
      return asset.product.sku;
  }
}

/**
 * Decodes a stored asset, checking the record is one this chaincode wrote.
 *
 * @throws `INTERNAL` when the bytes are not an asset record.
 */
export function decodeAsset(bytes: Uint8Array, what: string): Asset {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch {
    throw WaybillError.internal(`${what} is not valid JSON`);
  }
  const asset = value as Partial<Asset> | null;
  if (asset === null || typeof asset !== 'object' || asset.docType !== 'waybill.asset' || asset.schemaVersion !== 1) {
    throw WaybillError.internal(`${what} is not a waybill asset record`);
  }
  return asset as Asset;
}

/**
 * Assets on the ledger: reads, writes, secondary indexes and key-level endorsement policies.
 *
 * Fabric does not let a transaction read its own writes, so the store keeps the values it wrote in
 * this transaction and serves them back (split, merge and recall touch several related assets).
 * Whenever the owner or custodian of an asset changes, the asset key's endorsement policy is reset
 * to require a peer of each holding organisation.
 */
export class AssetStore {
  readonly #stub: ChaincodeStub;
  readonly #written = new Map<string, Asset>();

  constructor(stub: ChaincodeStub) {
    this.#stub = stub;
  }

  /** The asset, or `undefined` when it does not exist. */
  async find(assetId: string): Promise<Asset | undefined> {
    const cached = this.#written.get(assetId);
    if (cached !== undefined) {
      return cached;
    }
    const bytes = await this.#stub.getState(assetKey(this.#stub, assetId));
    if (bytes === undefined || bytes === null || bytes.length === 0) {
      return undefined;
    }
    return decodeAsset(bytes, `asset '${assetId}'`);
  }

  /**
   * The asset.
   *
   * @throws `ASSET_NOT_FOUND`.
   */
  async get(assetId: string): Promise<Asset> {
    const asset = await this.find(assetId);
    if (asset === undefined) {
      throw WaybillError.assetNotFound(assetId);
    }
    return asset;
  }

  /**
   * Checks no asset has this id.
   *
   * @throws `ASSET_EXISTS`.
   */
  async assertAbsent(assetId: string): Promise<void> {
    if ((await this.find(assetId)) !== undefined) {
      throw WaybillError.assetExists(assetId);
    }
  }

  /** Writes a new asset with its index entries and key-level endorsement policy. */
  async create(asset: Asset): Promise<void> {
    assertInvariants(asset);
    await this.#put(asset);
    for (const index of INDEX_NAMES) {
      await this.#stub.putState(indexKey(this.#stub, index, indexValue(asset, index), asset.id), INDEX_VALUE);
    }
    await this.#stub.setStateValidationParameter(assetKey(this.#stub, asset.id), holdersPolicy([asset.owner, asset.custodian]));
  }

  /**
   * Writes an asset carried over from another network as it was there (timestamps, transaction
   * ids and lineage untouched), with its index entries and the key-level policy it had.
   */
  async restore(asset: Asset, policy: Uint8Array): Promise<void> {
    assertInvariants(asset);
    await this.#put(asset);
    for (const index of INDEX_NAMES) {
      await this.#stub.putState(indexKey(this.#stub, index, indexValue(asset, index), asset.id), INDEX_VALUE);
    }
    await this.#stub.setStateValidationParameter(assetKey(this.#stub, asset.id), policy);
  }

  /** Writes a new version of an asset, moving index entries and the endorsement policy as needed. */
  async update(before: Asset, after: Asset): Promise<void> {
    assertInvariants(after);
    await this.#put(after);
    for (const index of INDEX_NAMES) {
      const previous = indexValue(before, index);
      const next = indexValue(after, index);
      if (previous !== next) {
        await this.#stub.deleteState(indexKey(this.#stub, index, previous, after.id));
        await this.#stub.putState(indexKey(this.#stub, index, next, after.id), INDEX_VALUE);
      }
    }
    if (before.owner !== after.owner || before.custodian !== after.custodian) {
      await this.#stub.setStateValidationParameter(
        assetKey(this.#stub, after.id),
        holdersPolicy([after.owner, after.custodian]),
      );
    }
  }

  async #put(asset: Asset): Promise<void> {
    await this.#stub.putState(assetKey(this.#stub, asset.id), canonicalBytes(asset));
    this.#written.set(asset.id, asset);
  }
}

/** Cheap structural checks before any write: a bug must not reach the ledger. */
function assertInvariants(asset: Asset): void {
  const broken = (what: string): never => {
    throw WaybillError.internal(`refusing to write asset '${asset.id}': ${what}`);
  };
  if (!ALL_ASSET_STATUSES.includes(asset.status)) broken(`unknown status ${String(asset.status)}`);
  if (!RE.MSP_ID.test(asset.owner) || !RE.MSP_ID.test(asset.custodian)) broken('malformed owner or custodian');
  if ((asset.hold !== null) !== (asset.status === 'ON_HOLD')) broken('hold must be set exactly when ON_HOLD');
  if (asset.quantity.amount <= 0) broken('non-positive quantity');
}
