/**
 * `waybill migrate`: export a Waybill ledger with provenance and a Merkle root, verify it against
 * an organisation's own peer, attest and import it on another network, compare both.
 *
 * @packageDocumentation
 */
export * from './block-hash';
export * from './equality';
export * from './export-file';
export * from './gateway';
export * from './import';
export * from './reader';
export * from './records';
export * from './verify';
export * from './synthetic';
