import { requireRoleFor } from '../../access/authorize';
import { ERROR_CODES, EVENTS, LIMITS } from '../../constants';
import type { Asset, PersonalDataRef } from '../../domain/asset';
import type { DocumentVerification } from '../../domain/document-verification';
import { WaybillError } from '../../domain/errors';
import {
  parseAttributesUpdate,
  parseDocumentName,
  parsePersonalDataRefId,
  parsePersonalDataRefInput,
} from '../../domain/inputs';
import { expectId, expectSha256 } from '../../domain/validation';
import type { TxContext } from '../tx-context';
import { loadAuthorized, stamp } from './common';

/**
 * Sets and/or removes non-personal attributes.
 *
 * @throws `INVALID_ARGUMENT` (including keys or values that look like personal data),
 *   `LIMIT_EXCEEDED` (more than {@link LIMITS.MAX_ATTRIBUTES}), `FORBIDDEN`, `INVALID_TRANSITION`.
 */
export async function updateAttributes(tx: TxContext, assetId: string, input: string): Promise<Asset> {
  requireRoleFor('updateAttributes', tx.caller);
  const update = parseAttributesUpdate(input);
  const { asset } = await loadAuthorized(tx, 'updateAttributes', assetId);
  const missing = update.remove.filter((key) => !Object.prototype.hasOwnProperty.call(asset.attributes, key));
  if (missing.length > 0) {
    throw WaybillError.conflict(`asset '${asset.id}' has no attribute '${missing[0] ?? ''}' to remove`);
  }
  const attributes: Record<string, string> = { ...asset.attributes, ...update.set };
  update.remove.forEach((key) => delete attributes[key]);
  if (Object.keys(attributes).length > LIMITS.MAX_ATTRIBUTES) {
    throw WaybillError.limitExceeded(`asset '${asset.id}' would have more than ${LIMITS.MAX_ATTRIBUTES} attributes`);
  }
  const after: Asset = { ...asset, attributes, ...stamp(tx) };
  await tx.assets.update(asset, after);
  tx.events.emit(EVENTS.ATTRIBUTES_UPDATED, tx.envelope(), {
    assetId: asset.id,
    set: Object.keys(update.set).sort(),
    removed: [...update.remove].sort(),
  });
  return after;
}

/**
 * Records the commitment (name + SHA-256) of an off-chain document. Names are unique per asset.
 *
 * @throws `CONFLICT` (name already recorded), `LIMIT_EXCEEDED`, `INVALID_ARGUMENT`, `FORBIDDEN`.
 */
export async function addDocument(tx: TxContext, assetId: string, nameArg: string, sha256Arg: string): Promise<Asset> {
  requireRoleFor('addDocument', tx.caller);
  const name = parseDocumentName(nameArg, 'name');
  const sha256 = expectSha256(sha256Arg, 'sha256');
  const { asset } = await loadAuthorized(tx, 'addDocument', assetId);
  if (asset.documents.some((d) => d.name === name)) {
    throw WaybillError.conflict(`asset '${asset.id}' already has a document named '${name}'`);
  }
  if (asset.documents.length >= LIMITS.MAX_DOCUMENTS) {
    throw WaybillError.limitExceeded(`asset '${asset.id}' already has ${LIMITS.MAX_DOCUMENTS} documents`);
  }
  const document = { name, sha256, addedByOrg: tx.caller.mspId, addedAt: tx.now, txId: tx.txId };
  const after: Asset = { ...asset, documents: [...asset.documents, document], ...stamp(tx) };
  await tx.assets.update(asset, after);
  tx.events.emit(EVENTS.DOCUMENT_ADDED, tx.envelope(), { assetId: asset.id, name, sha256 });
  return after;
}

/**
 * Checks an off-chain document against its recorded commitment (any role).
 *
 * @throws `DOCUMENT_NOT_FOUND`, `ASSET_NOT_FOUND`, `INVALID_ARGUMENT`.
 */
export async function verifyDocument(
  tx: TxContext,
  assetIdArg: string,
  nameArg: string,
  sha256Arg: string,
): Promise<DocumentVerification> {
  void tx.caller;
  const assetId = expectId(assetIdArg, 'assetId');
  const name = parseDocumentName(nameArg, 'name');
  const sha256 = expectSha256(sha256Arg, 'sha256');
  const asset = await tx.assets.get(assetId);
  const recorded = asset.documents.find((d) => d.name === name);
  if (recorded === undefined) {
    throw new WaybillError(ERROR_CODES.DOCUMENT_NOT_FOUND, `asset '${asset.id}' has no document named '${name}'`);
  }
  return {
    assetId: asset.id,
    name,
    matches: recorded.sha256 === sha256,
    recordedSha256: recorded.sha256,
    addedByOrg: recorded.addedByOrg,
    addedAt: recorded.addedAt,
    txId: recorded.txId,
  };
}

/**
 * Adds a personal-data reference, or replaces the commitment/category of an existing one
 * (rectification; only by its controller organisation). Erased references cannot be reused.
 *
 * @throws `CONFLICT` (reference erased), `LIMIT_EXCEEDED`, `FORBIDDEN`, `INVALID_ARGUMENT`.
 */
export async function upsertPersonalDataRef(tx: TxContext, assetId: string, input: string): Promise<Asset> {
  requireRoleFor('upsertPersonalDataRef', tx.caller);
  const parsed = parsePersonalDataRefInput(input);
  const { asset } = await loadAuthorized(tx, 'upsertPersonalDataRef', assetId);
  const org = tx.caller.mspId;
  const existing = asset.personalDataRefs.find((r) => r.ref === parsed.ref);
  let refs: PersonalDataRef[];
  if (existing === undefined) {
    if (asset.personalDataRefs.length >= LIMITS.MAX_PERSONAL_DATA_REFS) {
      throw WaybillError.limitExceeded(`asset '${asset.id}' already has ${LIMITS.MAX_PERSONAL_DATA_REFS} personal-data references`);
    }
    refs = [
      ...asset.personalDataRefs,
      { ...parsed, controllerOrg: org, addedAt: tx.now, updatedAt: tx.now, updatedTxId: tx.txId, erasedAt: null },
    ];
  } else {
    if (existing.controllerOrg !== org) {
      throw WaybillError.forbidden(
        `organisation ${org} is not the controller of personal-data reference '${parsed.ref}' (controller ${existing.controllerOrg})`,
      );
    }
    if (existing.erasedAt !== null) {
      throw WaybillError.conflict(`personal-data reference '${parsed.ref}' was erased and cannot be rectified`);
    }
    refs = asset.personalDataRefs.map((r) =>
      r.ref === parsed.ref
        ? { ...r, commitment: parsed.commitment, category: parsed.category, updatedAt: tx.now, updatedTxId: tx.txId }
        : r,
    );
  }
  const after: Asset = { ...asset, personalDataRefs: refs, ...stamp(tx) };
  await tx.assets.update(asset, after);
  tx.events.emit(EVENTS.PERSONAL_DATA_REF_UPDATED, tx.envelope(), {
    assetId: asset.id,
    ref: parsed.ref,
    category: parsed.category,
    controllerOrg: existing?.controllerOrg ?? org,
    change: existing === undefined ? 'added' : 'rectified',
  });
  return after;
}

/**
 * Marks a personal-data reference erased: its commitment is cleared from the current state (the
 * gateway destroys the data, key and salt off-chain, so the commitment left in history can no
 * longer be linked to the person). Allowed in every status; idempotent errors are `CONFLICT`.
 *
 * @throws `PERSONAL_DATA_REF_NOT_FOUND`, `CONFLICT` (already erased), `FORBIDDEN`.
 */
export async function erasePersonalDataRef(tx: TxContext, assetId: string, refArg: string): Promise<Asset> {
  requireRoleFor('erasePersonalDataRef', tx.caller);
  const ref = parsePersonalDataRefId(refArg, 'ref');
  const probe = await tx.assets.get(expectId(assetId, 'assetId'));
  const existing = probe.personalDataRefs.find((r) => r.ref === ref);
  if (existing === undefined) {
    throw new WaybillError(ERROR_CODES.PERSONAL_DATA_REF_NOT_FOUND, `asset '${probe.id}' has no personal-data reference '${ref}'`);
  }
  const { asset } = await loadAuthorized(tx, 'erasePersonalDataRef', assetId, () => ({
    dataController: existing.controllerOrg,
  }));
  if (existing.erasedAt !== null) {
    throw WaybillError.conflict(`personal-data reference '${ref}' is already erased`);
  }
  const after: Asset = {
    ...asset,
    personalDataRefs: asset.personalDataRefs.map((r) =>
      r.ref === ref ? { ...r, commitment: null, erasedAt: tx.now, updatedAt: tx.now, updatedTxId: tx.txId } : r,
    ),
    ...stamp(tx),
  };
  await tx.assets.update(asset, after);
  tx.events.emit(EVENTS.PERSONAL_DATA_REF_ERASED, tx.envelope(), {
    assetId: asset.id,
    ref,
    controllerOrg: existing.controllerOrg,
  });
  return after;
}
