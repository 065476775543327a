/**
 * What `waybill migrate` shares with the contract: the export's record shapes and its RFC 9162
 * Merkle tree (`@waybill/chaincode/migration`).
 *
 * @packageDocumentation
 */
export * from './migration/block-hash';
export * from './migration/merkle';
export * from './migration/records';
export { canonicalJson } from './domain/canonical-json';
export type { Asset, AssetHistory, AssetHistoryEntry } from './domain/asset';
export type { RecallRecord } from './domain/recall';
export { EVALUATE_TRANSACTIONS, LIMITS, majorityOf } from './constants';
