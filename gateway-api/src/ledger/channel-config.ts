import { common, msp, orderer } from '@hyperledger/fabric-protos';
import type { LedgerOrderingService } from './ledger.port';

/**
 * The ordering service named by a channel's config block (as `cscc GetConfigBlock` returns it,
 * on Fabric 2.2 peers as on 2.5; `GetChannelConfig` is not in 2.2): the consensus type, each
 * orderer organisation's endpoints and, for Raft, the consenters. Endpoints per organisation
 * (`Endpoints`, Fabric >= 1.4.2) win; a configuration without any falls back to the channel-wide
 * legacy `OrdererAddresses`, which names no organisation.
 * @throws Error when the bytes are not a config block with an `Orderer` group.
 */
export function orderingServiceOfConfigBlock(blockBytes: Uint8Array): LedgerOrderingService {
  const first = common.Block.deserializeBinary(blockBytes).getData()?.getDataList_asU8()[0];
  if (!first) throw new Error('the config block has no transaction');
  const payload = common.Payload.deserializeBinary(
    common.Envelope.deserializeBinary(first).getPayload_asU8(),
  );
  const config = common.ConfigEnvelope.deserializeBinary(payload.getData_asU8()).getConfig();
  if (!config) throw new Error('the config block holds no configuration');
  return orderingServiceOf(config);
}

function orderingServiceOf(config: common.Config): LedgerOrderingService {
  const channel = config.getChannelGroup();
  const ordererGroup = channel?.getGroupsMap().get('Orderer');
  if (!channel || !ordererGroup) throw new Error('the channel configuration has no Orderer group');

  const consensus = valueOf(ordererGroup, 'ConsensusType', (b) => orderer.ConsensusType.deserializeBinary(b));
  const consensusType = consensus?.getType() || undefined;
  const consenters =
    consensusType === 'etcdraft' && consensus
      ? orderer.etcdraft.ConfigMetadata.deserializeBinary(consensus.getMetadata_asU8())
          .getConsentersList()
          .map((c) => `${c.getHost()}:${c.getPort()}`)
      : [];

  const orderers: { mspId: string | undefined; endpoint: string }[] = [];
  for (const [name, org] of ordererGroup.getGroupsMap().entries()) {
    const mspId = mspIdOf(org) ?? name;
    const endpoints = valueOf(org, 'Endpoints', addressesOf);
    for (const endpoint of endpoints?.getAddressesList() ?? []) orderers.push({ mspId, endpoint });
  }
  if (orderers.length === 0) {
    const legacy = valueOf(channel, 'OrdererAddresses', addressesOf);
    for (const endpoint of legacy?.getAddressesList() ?? []) orderers.push({ mspId: undefined, endpoint });
  }
  orderers.sort(
    (a, b) => (a.mspId ?? '').localeCompare(b.mspId ?? '') || a.endpoint.localeCompare(b.endpoint),
  );
  return { consensusType, orderers, consenters: consenters.sort() };
}

const addressesOf = (bytes: Uint8Array) => common.OrdererAddresses.deserializeBinary(bytes);

function valueOf<T>(group: common.ConfigGroup, key: string, decode: (bytes: Uint8Array) => T): T | undefined {
  const value = group.getValuesMap().get(key);
  return value ? decode(value.getValue_asU8()) : undefined;
}

function mspIdOf(org: common.ConfigGroup): string | undefined {
  const config = valueOf(org, 'MSP', (b) => msp.MSPConfig.deserializeBinary(b));
  if (!config) return undefined;
  return msp.FabricMSPConfig.deserializeBinary(config.getConfig_asU8()).getName() || undefined;
}
