import { blockHeaderHash } from '@waybill/chaincode/migration';
import { common } from '@hyperledger/fabric-protos';
import type { BlockRef } from './reader';

export { blockHeaderHash };

/** The block number and header hash of a serialized block (as qscc returns it). */
export function blockRefOf(blockBytes: Uint8Array): BlockRef {
  const header = common.Block.deserializeBinary(blockBytes).getHeader();
  if (header === undefined) throw new Error('block without a header');
  const number = BigInt(header.getNumber());
  return { blockNumber: Number(number), blockHash: blockHeaderHash(number, header.getPreviousHash_asU8(), header.getDataHash_asU8()) };
}
