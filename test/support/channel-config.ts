import { common, orderer } from '@hyperledger/fabric-protos';
import { readFileSync } from 'node:fs';

export interface ChannelSummary {
  readonly applicationOrgs: string[];
  readonly ordererOrgs: string[];
  readonly consensusType: string;
  readonly consenters: { host: string; port: number }[];
}

/** Decodes a config block fetched with `peer channel fetch config`. */
export function summariseConfigBlock(file: string): ChannelSummary {
  const block = common.Block.deserializeBinary(readFileSync(file));
  const data = block.getData()?.getDataList_asU8()[0];
  if (!data) throw new Error('config block has no envelope');
  const envelope = common.Envelope.deserializeBinary(data);
  const payload = common.Payload.deserializeBinary(envelope.getPayload_asU8());
  const configEnvelope = common.ConfigEnvelope.deserializeBinary(payload.getData_asU8());
  const groups = configEnvelope.getConfig()?.getChannelGroup()?.getGroupsMap();
  const app = groups?.get('Application');
  const ord = groups?.get('Orderer');
  if (!app || !ord) throw new Error('config lacks Application or Orderer group');
  const consensus = orderer.ConsensusType.deserializeBinary(ord.getValuesMap().get('ConsensusType')?.getValue_asU8() ?? new Uint8Array());
  const meta = orderer.etcdraft.ConfigMetadata.deserializeBinary(consensus.getMetadata_asU8());
  return {
    applicationOrgs: app.getGroupsMap().toArray().map(([k]) => k).sort(),
    ordererOrgs: ord.getGroupsMap().toArray().map(([k]) => k).sort(),
    consensusType: consensus.getType(),
    consenters: meta.getConsentersList().map((c) => ({ host: c.getHost(), port: c.getPort() })),
  };
}
