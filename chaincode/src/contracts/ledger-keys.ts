import type { ChaincodeStub } from 'fabric-shim-api';
import { LEDGER_KEY_TYPES } from '../constants';

/**
 * Ledger key layout. Every key is a composite key, so that simple-key range queries can never
 * collide with them and each kind can be listed by partial key.
 *
 * | kind | object type | attributes |
 * |---|---|---|
 * | asset | `asset` | id |
 * | index | `owner~id`, `custodian~id`, `status~id`, `sku~id` | value, id |
 * | recall | `recall` | recallId |
 * | sale terms (private, implicit org collection) | `terms` | assetId, saleId |
 * | governance record | `governance` | `current` |
 * | governance approval | `governance~approval` | version, proposal hash, MSP id |
 * | migration attestation | `migration~attestation` | export root, MSP id |
 * | migration import progress | `migration~import` | export root |
 * | imported asset's provenance | `migration~provenance` | asset id |
 */
export const KEY_TYPES = {
  ASSET: LEDGER_KEY_TYPES.ASSET,
  RECALL: LEDGER_KEY_TYPES.RECALL,
  TERMS: 'terms',
  GOVERNANCE: LEDGER_KEY_TYPES.GOVERNANCE,
  GOVERNANCE_APPROVAL: LEDGER_KEY_TYPES.GOVERNANCE_APPROVAL,
  MIGRATION_ATTESTATION: LEDGER_KEY_TYPES.MIGRATION_ATTESTATION,
  MIGRATION_IMPORT: LEDGER_KEY_TYPES.MIGRATION_IMPORT,
  MIGRATION_PROVENANCE: 'migration~provenance',
  INDEX: {
    owner: 'owner~id',
    custodian: 'custodian~id',
    status: 'status~id',
    sku: 'sku~id',
  },
} as const;

/** Index names (list queries). */
export type IndexName = keyof typeof KEY_TYPES.INDEX;

/** Every index, in a stable order. */
export const INDEX_NAMES: readonly IndexName[] = ['owner', 'custodian', 'status', 'sku'];

/** Composite key of an asset. */
export function assetKey(stub: ChaincodeStub, assetId: string): string {
  return stub.createCompositeKey(KEY_TYPES.ASSET, [assetId]);
}

/** Composite key of an index entry. */
export function indexKey(stub: ChaincodeStub, index: IndexName, value: string, assetId: string): string {
  return stub.createCompositeKey(KEY_TYPES.INDEX[index], [value, assetId]);
}

/** Composite key of a recall record. */
export function recallKey(stub: ChaincodeStub, recallId: string): string {
  return stub.createCompositeKey(KEY_TYPES.RECALL, [recallId]);
}

/** Composite key of sale terms inside an implicit collection. */
export function termsKey(stub: ChaincodeStub, assetId: string, saleId: string): string {
  return stub.createCompositeKey(KEY_TYPES.TERMS, [assetId, saleId]);
}

/** Value stored under index keys (an empty value would be a delete). */
export const INDEX_VALUE = Buffer.from([0]);

/** Composite key of the governance record. */
export function governanceKey(stub: ChaincodeStub): string {
  return stub.createCompositeKey(KEY_TYPES.GOVERNANCE, ['current']);
}

/** Composite key of one organisation's approval of a governance proposal. */
export function governanceApprovalKey(stub: ChaincodeStub, version: number, hash: string, mspId: string): string {
  return stub.createCompositeKey(KEY_TYPES.GOVERNANCE_APPROVAL, [String(version), hash, mspId]);
}

/** Composite key of one organisation's attestation of a migration export root. */
export function migrationAttestationKey(stub: ChaincodeStub, root: string, mspId: string): string {
  return stub.createCompositeKey(KEY_TYPES.MIGRATION_ATTESTATION, [root, mspId]);
}

/** Composite key of the import progress of a migration export root. */
export function migrationImportKey(stub: ChaincodeStub, root: string): string {
  return stub.createCompositeKey(KEY_TYPES.MIGRATION_IMPORT, [root]);
}

/** Composite key of an imported asset's source provenance. */
export function migrationProvenanceKey(stub: ChaincodeStub, assetId: string): string {
  return stub.createCompositeKey(KEY_TYPES.MIGRATION_PROVENANCE, [assetId]);
}
