import { common } from '@hyperledger/fabric-protos';
import { blockHeaderHash } from '@waybill/chaincode/migration';

/**
 * A ledger network as the gateway tells one from another: its channel and the header hash of the
 * channel's genesis block. A re-founded network (a migration target) has another genesis block
 * even when its channel keeps its name.
 */
export interface NetworkIdentity {
  readonly channel: string;
  /** Hex SHA-256 header hash of the channel's block 0 (Fabric's block hash). */
  readonly genesisBlockHash: string;
}

/**
 * The identity of a network from its channel and block 0 as a peer serves it (qscc
 * `GetBlockByNumber`).
 * @throws Error when the bytes are not block 0.
 */
export function networkIdentityOf(channel: string, genesisBlock: Uint8Array): NetworkIdentity {
  const header = common.Block.deserializeBinary(genesisBlock).getHeader();
  if (header === undefined || header.getNumber() !== 0) throw new Error('the peer did not serve block 0');
  return { channel, genesisBlockHash: blockHeaderHash(0n, header.getPreviousHash_asU8(), header.getDataHash_asU8()) };
}
