import { requireRoleFor } from '../../access/authorize';
import { ERROR_CODES, EVENTS, TRANSIENT_TERMS_KEY } from '../../constants';
import type { Asset, PendingSale } from '../../domain/asset';
import { WaybillError } from '../../domain/errors';
import { parseSaleTermsInput, type SaleTerms, type TermsReceipt } from '../../domain/sale-terms';
import { isTrading } from '../../domain/governance';
import { expectId, expectMspId, expectPattern } from '../../domain/validation';
import { TermsStore } from '../terms-store';
import type { TxContext } from '../tx-context';
import { assetSummary, loadAuthorized, stamp } from './common';

/**
 * The owner offers title to `buyerOrg` (step 1). Terms are agreed separately and privately by
 * each side with `agreeSaleTerms`.
 *
 * @throws `FORBIDDEN`, `INVALID_TRANSITION`, `CONFLICT` (sale pending), `INVALID_ARGUMENT`.
 */
export async function proposeSale(tx: TxContext, assetId: string, buyerOrgArg: string): Promise<Asset> {
  requireRoleFor('proposeSale', tx.caller);
  const buyer = expectMspId(buyerOrgArg, 'buyerOrg');
  await requireTradingCounterparty(tx, buyer, 'buyerOrg');
  const { asset } = await loadAuthorized(tx, 'proposeSale', assetId);
  if (asset.pendingSale !== null) {
    throw WaybillError.conflict(`asset '${asset.id}' already has a sale pending to ${asset.pendingSale.buyer}`);
  }
  if (buyer === asset.owner) {
    throw WaybillError.conflict(`buyerOrg ${buyer} already owns asset '${asset.id}'`);
  }
  const sale: PendingSale = { saleId: tx.txId, seller: asset.owner, buyer, proposedAt: tx.now };
  const after: Asset = { ...asset, pendingSale: sale, ...stamp(tx) };
  await tx.assets.update(asset, after);
  tx.events.emit(EVENTS.SALE_PROPOSED, tx.envelope(), { ...assetSummary(after), ...saleFields(sale) });
  return after;
}

/**
 * Records the caller's side of the terms (transient `terms`) in its own implicit collection.
 * Must be endorsed by the caller's own peer only: the transient data is confidential.
 *
 * @throws `FORBIDDEN` (not a party, or executed on another organisation's peer), `CONFLICT`
 *   (no pending sale), `INVALID_ARGUMENT` (terms missing or malformed).
 */
export async function agreeSaleTerms(tx: TxContext, assetId: string): Promise<TermsReceipt> {
  const { asset } = await loadAuthorized(tx, 'agreeSaleTerms', assetId);
  const org = tx.caller.mspId;
  requireOwnPeer(tx, 'agreeSaleTerms');
  const sale = mustHaveSale(asset);
  const input = parseSaleTermsInput(tx.stub.getTransient().get(TRANSIENT_TERMS_KEY));
  const terms: SaleTerms = { assetId: asset.id, saleId: sale.saleId, seller: sale.seller, buyer: sale.buyer, ...input };
  const termsHash = await new TermsStore(tx.stub).put(org, terms);
  const side = org === sale.seller ? 'seller' : 'buyer';
  tx.events.emit(EVENTS.TERMS_AGREED, tx.envelope(), { assetId: asset.id, ...saleFields(sale), org, side, termsHash });
  return { assetId: asset.id, saleId: sale.saleId, org, side, termsHash };
}

/**
 * The buyer accepts (step 2): both parties' stored terms must hash identically; title passes to
 * the buyer and both parties' terms are purged.
 *
 * @throws `TERMS_MISSING`, `TERMS_MISMATCH`, `FORBIDDEN`, `CONFLICT`, `INVALID_TRANSITION`.
 */
export async function acceptSale(tx: TxContext, assetId: string): Promise<Asset> {
  const { asset } = await loadAuthorized(tx, 'acceptSale', assetId);
  const sale = mustHaveSale(asset);
  const store = new TermsStore(tx.stub);
  const sellerHash = await store.hash(sale.seller, asset.id, sale.saleId);
  const buyerHash = await store.hash(sale.buyer, asset.id, sale.saleId);
  if (sellerHash === undefined || buyerHash === undefined) {
    const missing = [sellerHash === undefined ? `seller ${sale.seller}` : '', buyerHash === undefined ? `buyer ${sale.buyer}` : '']
      .filter((s) => s !== '')
      .join(' and ');
    throw new WaybillError(ERROR_CODES.TERMS_MISSING, `${missing} of sale '${sale.saleId}' on asset '${asset.id}' have not agreed terms`);
  }
  if (sellerHash !== buyerHash) {
    throw new WaybillError(
      ERROR_CODES.TERMS_MISMATCH,
      `terms of seller ${sale.seller} and buyer ${sale.buyer} differ for sale '${sale.saleId}' on asset '${asset.id}'`,
    );
  }
  await store.purgeIfPresent(sale.seller, asset.id, sale.saleId);
  await store.purgeIfPresent(sale.buyer, asset.id, sale.saleId);
  const after: Asset = { ...asset, owner: sale.buyer, pendingSale: null, ...stamp(tx) };
  await tx.assets.update(asset, after);
  tx.events.emit(EVENTS.TITLE_TRANSFERRED, tx.envelope(), {
    ...assetSummary(after),
    ...saleFields(sale),
    from: sale.seller,
    to: sale.buyer,
    termsHash: sellerHash,
  });
  return after;
}

/** The buyer declines the sale; both parties' stored terms are purged (both endorse). */
export async function rejectSale(tx: TxContext, assetId: string): Promise<Asset> {
  return withdraw(tx, assetId, 'rejectSale');
}

/**
 * The seller withdraws the sale alone: the buyer's cooperation is never needed (it may not even
 * answer). Only the seller's terms are purged here; the buyer's peer purges its own with
 * `purgeTerms` once it sees the sale is gone.
 */
export async function cancelSale(tx: TxContext, assetId: string): Promise<Asset> {
  return withdraw(tx, assetId, 'cancelSale');
}

/** What `purgeTerms` purged. */
export interface TermsPurge {
  readonly assetId: string;
  readonly saleId: string;
  readonly org: string;
}

/**
 * Purges the caller organisation's own terms of a sale that is no longer pending (cancelled by
 * the seller, or completed or withdrawn while this organisation's peer did not take part). Runs on
 * the caller's own peer and writes only its own implicit collection.
 *
 * @throws `CONFLICT` (the sale is still pending), `TERMS_MISSING` (nothing stored), `FORBIDDEN`.
 */
export async function purgeTerms(tx: TxContext, assetIdArg: string, saleIdArg: string): Promise<TermsPurge> {
  requireRoleFor('agreeSaleTerms', tx.caller);
  const assetId = expectId(assetIdArg, 'assetId');
  const saleId = expectTxId(saleIdArg, 'saleId');
  const org = tx.caller.mspId;
  requireOwnPeer(tx, 'purgeTerms');
  const asset = await tx.assets.get(assetId);
  if (asset.pendingSale?.saleId === saleId) {
    throw WaybillError.conflict(`sale '${saleId}' of asset '${asset.id}' is still pending; reject or cancel it instead`);
  }
  if (!(await new TermsStore(tx.stub).purgeIfPresent(org, asset.id, saleId))) {
    throw new WaybillError(ERROR_CODES.TERMS_MISSING, `organisation ${org} holds no terms of sale '${saleId}' on asset '${asset.id}'`);
  }
  tx.events.emit(EVENTS.TERMS_PURGED, tx.envelope(), { assetId: asset.id, saleId, org });
  return { assetId: asset.id, saleId, org };
}

/**
 * The caller's own side of the terms of the pending sale, read from its implicit collection.
 * Evaluate on a peer of the caller's organisation.
 *
 * @throws `TERMS_MISSING` (no pending sale, or not agreed yet), `FORBIDDEN` (not a party, or
 *   another organisation's peer).
 */
export async function getTerms(tx: TxContext, assetIdArg: string): Promise<SaleTerms> {
  const caller = tx.caller;
  const assetId = expectId(assetIdArg, 'assetId');
  const asset = await tx.assets.get(assetId);
  const sale = asset.pendingSale;
  if (sale === null) {
    throw new WaybillError(ERROR_CODES.TERMS_MISSING, `asset '${asset.id}' has no pending sale`);
  }
  if (caller.mspId !== sale.seller && caller.mspId !== sale.buyer) {
    throw WaybillError.forbidden(
      `organisation ${caller.mspId} is not the buyer or the seller of the pending sale of asset '${asset.id}'`,
    );
  }
  requireOwnPeer(tx, 'getTerms');
  const terms = await new TermsStore(tx.stub).read(caller.mspId, asset.id, sale.saleId);
  if (terms === undefined) {
    throw new WaybillError(
      ERROR_CODES.TERMS_MISSING,
      `organisation ${caller.mspId} has not agreed terms for sale '${sale.saleId}' on asset '${asset.id}'`,
    );
  }
  return terms;
}

async function withdraw(tx: TxContext, assetId: string, action: 'rejectSale' | 'cancelSale'): Promise<Asset> {
  const { asset } = await loadAuthorized(tx, action, assetId);
  const sale = mustHaveSale(asset);
  const store = new TermsStore(tx.stub);
  const purgedSeller = await store.purgeIfPresent(sale.seller, asset.id, sale.saleId);
  // Purging the buyer's collection needs the buyer's peer: only when the buyer itself withdraws.
  const purgedBuyer = action === 'rejectSale' ? await store.purgeIfPresent(sale.buyer, asset.id, sale.saleId) : false;
  const after: Asset = { ...asset, pendingSale: null, ...stamp(tx) };
  await tx.assets.update(asset, after);
  tx.events.emit(action === 'rejectSale' ? EVENTS.SALE_REJECTED : EVENTS.SALE_CANCELLED, tx.envelope(), {
    ...assetSummary(after),
    ...saleFields(sale),
    termsPurged: { buyer: purgedBuyer, seller: purgedSeller },
  });
  return after;
}

/**
 * Defence in depth for private terms: refuse to run on another organisation's peer (the transient
 * terms would reach a chaincode process that organisation controls). Every deployment runs the
 * chaincode with its peer's MSP id — one chaincode server per organisation, or the peer-built
 * package — so an unknown peer organisation is refused too, not waved through.
 */
function requireOwnPeer(tx: TxContext, action: string): void {
  const peer = tx.peerMspId();
  if (peer === undefined) {
    throw WaybillError.forbidden(
      `${action} reads or writes ${tx.caller.mspId}'s private terms, but this chaincode process does not know its peer's organisation (CORE_PEER_LOCALMSPID unset): run one chaincode server per organisation`,
    );
  }
  if (peer !== tx.caller.mspId) {
    throw WaybillError.forbidden(
      `${action} reads or writes ${tx.caller.mspId}'s private terms and must run on a ${tx.caller.mspId} peer, not a ${peer} peer`,
    );
  }
}

/**
 * A counterparty must be a trading member of the channel (governance record): an offer to an
 * organisation that does not exist, or to an authority, is refused before it can strand an asset.
 *
 * @throws `INVALID_ARGUMENT`.
 */
export async function requireTradingCounterparty(tx: TxContext, org: string, field: string): Promise<void> {
  const governance = await tx.governance.get();
  if (!isTrading(governance, org)) {
    throw WaybillError.invalidArgument(
      `${field} ${org} is not a trading member organisation of the channel (members: ${governance.members.filter((m) => isTrading(governance, m)).join(', ')})`,
    );
  }
}

function mustHaveSale(asset: Asset): PendingSale {
  if (asset.pendingSale === null) {
    throw WaybillError.conflict(`asset '${asset.id}' has no pending sale`);
  }
  return asset.pendingSale;
}

function saleFields(sale: PendingSale): Record<string, unknown> {
  return { saleId: sale.saleId, seller: sale.seller, buyer: sale.buyer };
}

const TX_ID = /^[0-9a-f]{64}$/;

function expectTxId(value: unknown, path: string): string {
  return expectPattern(value, path, TX_ID);
}
