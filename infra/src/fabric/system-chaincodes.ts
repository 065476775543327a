import { common, peer } from '@hyperledger/fabric-protos';
import { processProposal, type Endpoint } from './connection';
import type { SigningIdentity } from './identity';
import { newProposal, signProposal } from './proposal';

async function query(id: SigningIdentity, ep: Endpoint, channel: string, chaincode: string, fn: string, args: Uint8Array[], type?: number): Promise<Uint8Array> {
  const { proposal } = newProposal(id, { channel, chaincode, fn, args, ...(type !== undefined ? { type } : {}) });
  const r = await processProposal(ep, await signProposal(id, proposal));
  return r.getResponse()?.getPayload_asU8() ?? new Uint8Array();
}

/**
 * Joins a peer to a channel with the channel's genesis (or a config) block, through the peer's
 * configuration system chaincode (what `peer channel join` does). Needs the peer's organisation admin.
 * @throws EndorsementError with the peer's reason (e.g. already joined).
 */
export async function joinChannel(id: SigningIdentity, ep: Endpoint, block: Uint8Array): Promise<void> {
  await query(id, ep, '', 'cscc', 'JoinChain', [block], common.HeaderType.CONFIG);
}

/** The channels a peer has joined. */
export async function joinedChannels(id: SigningIdentity, ep: Endpoint): Promise<string[]> {
  const out = peer.ChannelQueryResponse.deserializeBinary(await query(id, ep, '', 'cscc', 'GetChannels', []));
  return out.getChannelsList().map((c) => c.getChannelId());
}

/** A peer's ledger height on a channel (qscc GetChainInfo). */
export async function ledgerHeight(id: SigningIdentity, ep: Endpoint, channel: string): Promise<number> {
  const info = common.BlockchainInfo.deserializeBinary(await query(id, ep, '', 'qscc', 'GetChainInfo', [new TextEncoder().encode(channel)]));
  return info.getHeight();
}
