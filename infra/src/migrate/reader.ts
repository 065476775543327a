import type { AssetExportPage, AssetHistory, RecallExportPage } from '@waybill/chaincode/migration';

/** Where a transaction sits on the source channel: its block and that block's header hash. */
export interface BlockRef {
  readonly blockNumber: number;
  /** Hex SHA-256 of the block header (Fabric's block hash). */
  readonly blockHash: string;
}

/**
 * What `waybill migrate` reads from a Waybill network, through one organisation's own peer.
 * Implemented over the Fabric Gateway (`newGatewayReader`) and, for AWS Managed Blockchain's 2.2
 * peers, over any client that can evaluate the contract's and qscc's queries.
 */
export interface LedgerReader {
  /** Channel read. */
  readonly channel: string;
  /** Organisation whose peer answers (verify trusts only its own peer). */
  readonly mspId: string;
  exportAssets(pageSize: number, bookmark: string): Promise<AssetExportPage>;
  exportRecalls(pageSize: number, bookmark: string): Promise<RecallExportPage>;
  assetHistory(assetId: string): Promise<AssetHistory>;
  /** Block of a committed transaction (qscc `GetBlockByTxID`). */
  blockOf(txId: string): Promise<BlockRef>;
}

/** Evaluates a query of a chaincode on the reader organisation's own peers; answers bytes. */
export type Evaluate = (chaincode: 'waybill' | 'qscc', name: string, args: readonly string[]) => Promise<Uint8Array>;

/** A reader over any `Evaluate` (the Gateway's or the 2.2 SDK's) and a block-hash function. */
export function newLedgerReader(
  channel: string,
  mspId: string,
  evaluate: Evaluate,
  hashBlock: (block: Uint8Array) => BlockRef,
): LedgerReader {
  const json = async <T>(name: string, args: readonly string[]): Promise<T> =>
    JSON.parse(Buffer.from(await evaluate('waybill', name, args)).toString('utf8')) as T;
  return {
    channel,
    mspId,
    exportAssets: (pageSize, bookmark) => json<AssetExportPage>('exportAssets', [String(pageSize), bookmark]),
    exportRecalls: (pageSize, bookmark) => json<RecallExportPage>('exportRecalls', [String(pageSize), bookmark]),
    assetHistory: (assetId) => json<AssetHistory>('getAssetHistory', [assetId]),
    blockOf: async (txId) => hashBlock(await evaluate('qscc', 'GetBlockByTxID', [channel, txId])),
  };
}
