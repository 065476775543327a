import { common, msp } from '@hyperledger/fabric-protos';
import { setTimeout as sleep } from 'node:timers/promises';
import { CliError } from '../common/errors';
import { adminIdentity, anchorPeer, ordererEndpoint, peerEndpoint } from './endpoints';
import type { NetworkModel } from '../topology/layout';
import type { Org } from '../topology/topology';
import { configOf, fetchConfigBlock } from '../fabric/channel-config';
import { configToJson } from '../fabric/config-json';
import { missingSignatures, type MissingSignatures } from '../fabric/config-policy';
import { computeUpdate, configUpdateTransaction, newUpdateEnvelope, signers, signUpdate } from '../fabric/config-update';
import { broadcast } from '../fabric/connection';
import { anchorPeersValue, applicationOrgGroup } from '../fabric/org-definition';
import type { SigningIdentity } from '../fabric/identity';
import { ledgerHeight } from '../fabric/system-chaincodes';

export { applicationOrgGroup, configToJson, signUpdate };

/** The channel's current configuration, fetched from an orderer as `id`. */
export async function currentConfig(net: NetworkModel, id: SigningIdentity): Promise<common.Config> {
  return configOf(await fetchConfigBlock(id, ordererEndpoint(net), net.topology.channel));
}

/** An update computed from an edit of the current configuration; returned unsigned. */
export async function updateConfig(net: NetworkModel, id: SigningIdentity, edit: (config: common.Config) => void): Promise<common.ConfigUpdateEnvelope> {
  const current = await currentConfig(net, id);
  const updated = common.Config.deserializeBinary(current.serializeBinary());
  edit(updated);
  return newUpdateEnvelope(computeUpdate(net.topology.channel, current, updated));
}

function application(config: common.Config): common.ConfigGroup {
  const app = config.getChannelGroup()?.getGroupsMap().get('Application');
  if (!app) throw new CliError('the channel has no Application group');
  return app;
}

/**
 * Onboarding: adds a partner organisation to the channel's application organisations from its
 * public MSP folder (CA and TLS CA certificates, Node OUs); needs a majority of the members'
 * admins (the Application group's `Admins`, MAJORITY).
 */
export function addOrgUpdate(
  net: NetworkModel,
  id: SigningIdentity,
  mspId: string,
  mspDir: string,
  anchorPeers: readonly { host: string; port: number }[],
): Promise<common.ConfigUpdateEnvelope> {
  return updateConfig(net, id, (c) => {
    const app = application(c);
    if (app.getGroupsMap().has(mspId)) throw new CliError(`${mspId} is already a member of ${net.topology.channel}`);
    app.getGroupsMap().set(mspId, applicationOrgGroup(mspId, mspDir, anchorPeers));
  });
}

/**
 * Sets an organisation's anchor peers by a configuration update that its own admin signs (its
 * group's values are governed by its own `Admins`).
 * @returns false when they were already set so.
 */
export async function setAnchorPeers(net: NetworkModel, org: Org, anchors: readonly { host: string; port: number }[]): Promise<boolean> {
  const id = adminIdentity(net, org);
  const value = new common.ConfigValue();
  value.setModPolicy('Admins');
  value.setValue(anchorPeersValue(anchors));
  const current = application(await currentConfig(net, id)).getGroupsMap().get(org.mspId)?.getValuesMap().get('AnchorPeers');
  if (current && Buffer.from(current.getValue_asU8()).equals(Buffer.from(value.getValue_asU8()))) return false;
  const env = await updateConfig(net, id, (c) => application(c).getGroupsMap().get(org.mspId)?.getValuesMap().set('AnchorPeers', value));
  await signUpdate(id, env);
  await submitUpdate(net, id, env);
  return true;
}

/** Removes an application organisation from the channel (a majority of admins again). */
export function removeOrgUpdate(net: NetworkModel, id: SigningIdentity, mspId: string): Promise<common.ConfigUpdateEnvelope> {
  return updateConfig(net, id, (c) => {
    const app = application(c);
    if (!app.getGroupsMap().has(mspId)) throw new CliError(`${mspId} is not a member of ${net.topology.channel}`);
    app.getGroupsMap().del(mspId);
  });
}

/**
 * An update of one organisation's channel MSP (e.g. its CRL), computed against the current
 * configuration and returned unsigned.
 */
export async function updateOrgMsp(
  net: NetworkModel,
  id: SigningIdentity,
  org: Org,
  edit: (m: msp.FabricMSPConfig) => void,
): Promise<common.ConfigUpdateEnvelope> {
  const current = await currentConfig(net, id);
  const updated = common.Config.deserializeBinary(current.serializeBinary());
  const value = updated.getChannelGroup()?.getGroupsMap().get('Application')?.getGroupsMap().get(org.mspId)?.getValuesMap().get('MSP');
  if (!value) throw new CliError(`${org.mspId} is not an application organisation of ${net.topology.channel}`);
  const cfg = msp.MSPConfig.deserializeBinary(value.getValue_asU8());
  const fabric = msp.FabricMSPConfig.deserializeBinary(cfg.getConfig_asU8());
  edit(fabric);
  cfg.setConfig(fabric.serializeBinary());
  value.setValue(cfg.serializeBinary());
  return newUpdateEnvelope(computeUpdate(net.topology.channel, current, updated));
}

export function readUpdate(bytes: Uint8Array): common.ConfigUpdateEnvelope {
  let env: common.ConfigUpdateEnvelope;
  try {
    env = common.ConfigUpdateEnvelope.deserializeBinary(bytes);
    common.ConfigUpdate.deserializeBinary(env.getConfigUpdate_asU8());
  } catch (err) {
    throw new CliError(`not a configuration update file: ${(err as Error).message}`);
  }
  if (!env.getConfigUpdate_asU8().length) throw new CliError('not a configuration update file: it holds no update');
  return env;
}

export interface UpdateStatus {
  readonly channel: string;
  readonly signedBy: string[];
  readonly missing: MissingSignatures[];
}

/** Who signed an update and what is still missing, against the current configuration. */
export async function updateStatus(net: NetworkModel, id: SigningIdentity, env: common.ConfigUpdateEnvelope): Promise<UpdateStatus> {
  const update = common.ConfigUpdate.deserializeBinary(env.getConfigUpdate_asU8());
  const signedBy = signers(env);
  return { channel: update.getChannelId(), signedBy, missing: missingSignatures(await currentConfig(net, id), update, new Set(signedBy)) };
}

/**
 * Submits a signed update; resolves with the new configuration sequence once the orderers have
 * committed it.
 * @throws CliError with the orderer's reason when it refuses (e.g. signatures short).
 */
export async function submitUpdate(net: NetworkModel, id: SigningIdentity, env: common.ConfigUpdateEnvelope): Promise<number> {
  const before = (await currentConfig(net, id)).getSequence();
  await broadcast(ordererEndpoint(net), await configUpdateTransaction(id, net.topology.channel, env));
  for (let i = 0; i < 150; i++) {
    const seq = (await currentConfig(net, id)).getSequence();
    if (seq > before) return seq;
    await sleep(200);
  }
  throw new CliError('the orderers accepted the update but no new configuration appeared within 30 s');
}

/** Whether the organisation's first peer has a configuration of at least `sequence`. */
export async function peerHasConfig(net: NetworkModel, id: SigningIdentity, org: Org, sequence: number): Promise<boolean> {
  const block = await fetchConfigBlock(id, ordererEndpoint(net), net.topology.channel);
  if (configOf(block).getSequence() < sequence) return false;
  const height = await ledgerHeight(id, peerEndpoint(net, anchorPeer(org)), net.topology.channel);
  return height > (block.getHeader()?.getNumber() ?? 0);
}
