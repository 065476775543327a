import { common } from '@hyperledger/fabric-protos';
import { CliError } from '../common/errors';
import { fetchBlock, type Endpoint } from './connection';
import type { SigningIdentity } from './identity';

/** The index of the last configuration block, as the orderer records it in a block's metadata. */
export function lastConfigIndex(block: common.Block): number {
  const signatures = block.getMetadata()?.getMetadataList_asU8()[common.BlockMetadataIndex.SIGNATURES];
  if (signatures?.length) {
    const md = common.Metadata.deserializeBinary(signatures);
    const obm = common.OrdererBlockMetadata.deserializeBinary(md.getValue_asU8());
    const last = obm.getLastConfig();
    if (last) return last.getIndex();
  }
  throw new CliError(`block ${block.getHeader()?.getNumber() ?? '?'} carries no last-config index`);
}

/** The channel's current configuration block, from an orderer (what `peer channel fetch config` gets). */
export async function fetchConfigBlock(id: SigningIdentity, orderer: Endpoint, channel: string): Promise<common.Block> {
  const newest = await fetchBlock(orderer, id, channel, 'newest');
  return fetchBlock(orderer, id, channel, lastConfigIndex(newest));
}

/** The `Config` inside a configuration block. */
export function configOf(block: common.Block): common.Config {
  const data = block.getData()?.getDataList_asU8()[0];
  if (!data) throw new CliError('the configuration block has no envelope');
  const payload = common.Payload.deserializeBinary(common.Envelope.deserializeBinary(data).getPayload_asU8());
  const config = common.ConfigEnvelope.deserializeBinary(payload.getData_asU8()).getConfig();
  if (!config) throw new CliError('the configuration block holds no configuration');
  return config;
}
