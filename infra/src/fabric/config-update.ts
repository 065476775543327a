import { common, msp } from '@hyperledger/fabric-protos';
import { CliError } from '../common/errors';
import { serializeIdentity, type SigningIdentity } from './identity';
import { channelHeader, newTransactionContext, signEnvelope, signatureHeader } from './proposal';

type Entry = common.ConfigPolicy | common.ConfigValue;

const same = (a: Uint8Array, b: Uint8Array): boolean => Buffer.from(a).equals(Buffer.from(b));

/** A jspb map as a JS Map of messages (its `toArray()` gives raw arrays for message values). */
export function entries<T>(m: { forEach(cb: (value: T, key: string) => void): void }): Map<string, T> {
  const out = new Map<string, T>();
  m.forEach((v, k) => out.set(k, v));
  return out;
}

function setAll<T>(target: { set(k: string, v: T): unknown }, src: Map<string, T>): void {
  for (const [k, v] of src) target.set(k, v);
}

/** Read, write and unchanged sets of one map (policies or values) of a group. */
function mapUpdate<T extends Entry>(
  original: Map<string, T>,
  updated: Map<string, T>,
  make: () => T,
  content: (e: T) => Uint8Array,
  copy: (from: T, to: T) => void,
): { write: Map<string, T>; same: Map<string, T>; membersUpdated: boolean } {
  const write = new Map<string, T>();
  const unchanged = new Map<string, T>();
  let membersUpdated = false;
  for (const [name, o] of original) {
    const u = updated.get(name);
    if (!u) {
      membersUpdated = true;
      continue;
    }
    if (o.getModPolicy() === u.getModPolicy() && same(content(o), content(u))) {
      const e = make();
      e.setVersion(o.getVersion());
      unchanged.set(name, e);
      continue;
    }
    const e = make();
    e.setVersion(o.getVersion() + 1);
    e.setModPolicy(u.getModPolicy());
    copy(u, e);
    write.set(name, e);
  }
  for (const [name, u] of updated) {
    if (original.has(name)) continue;
    membersUpdated = true;
    const e = make();
    e.setVersion(0);
    e.setModPolicy(u.getModPolicy());
    copy(u, e);
    write.set(name, e);
  }
  return { write, same: unchanged, membersUpdated };
}

const policyMap = (o: Map<string, common.ConfigPolicy>, u: Map<string, common.ConfigPolicy>): ReturnType<typeof mapUpdate<common.ConfigPolicy>> =>
  mapUpdate(
    o,
    u,
    () => new common.ConfigPolicy(),
    (e) => e.getPolicy()?.serializeBinary() ?? new Uint8Array(),
    (from, to) => {
      const p = from.getPolicy();
      if (p) to.setPolicy(p);
    },
  );

const valueMap = (o: Map<string, common.ConfigValue>, u: Map<string, common.ConfigValue>): ReturnType<typeof mapUpdate<common.ConfigValue>> =>
  mapUpdate(
    o,
    u,
    () => new common.ConfigValue(),
    (e) => e.getValue_asU8(),
    (from, to) => to.setValue(from.getValue_asU8()),
  );

function groupsMap(
  original: Map<string, common.ConfigGroup>,
  updated: Map<string, common.ConfigGroup>,
): { read: Map<string, common.ConfigGroup>; write: Map<string, common.ConfigGroup>; same: Map<string, common.ConfigGroup>; membersUpdated: boolean } {
  const read = new Map<string, common.ConfigGroup>();
  const write = new Map<string, common.ConfigGroup>();
  const unchanged = new Map<string, common.ConfigGroup>();
  let membersUpdated = false;
  for (const [name, o] of original) {
    const u = updated.get(name);
    if (!u) {
      membersUpdated = true;
      continue;
    }
    const g = groupUpdate(o, u);
    if (!g.updated) {
      unchanged.set(name, g.read);
      continue;
    }
    read.set(name, g.read);
    write.set(name, g.write);
  }
  for (const [name, u] of updated) {
    if (original.has(name)) continue;
    membersUpdated = true;
    const g = groupUpdate(new common.ConfigGroup(), u);
    const w = new common.ConfigGroup();
    w.setVersion(0);
    w.setModPolicy(u.getModPolicy());
    setAll(w.getPoliciesMap(), entries(g.write.getPoliciesMap()));
    setAll(w.getValuesMap(), entries(g.write.getValuesMap()));
    setAll(w.getGroupsMap(), entries(g.write.getGroupsMap()));
    write.set(name, w);
  }
  return { read, write, same: unchanged, membersUpdated };
}

function groupUpdate(original: common.ConfigGroup, updated: common.ConfigGroup): { read: common.ConfigGroup; write: common.ConfigGroup; updated: boolean } {
  const policies = policyMap(entries(original.getPoliciesMap()), entries(updated.getPoliciesMap()));
  const values = valueMap(entries(original.getValuesMap()), entries(updated.getValuesMap()));
  const groups = groupsMap(entries(original.getGroupsMap()), entries(updated.getGroupsMap()));
  const read = new common.ConfigGroup();
  const write = new common.ConfigGroup();
  read.setVersion(original.getVersion());
  if (!(policies.membersUpdated || values.membersUpdated || groups.membersUpdated || original.getModPolicy() !== updated.getModPolicy())) {
    // Policies and values have no read set of their own; only groups do.
    if (policies.write.size === 0 && values.write.size === 0 && groups.read.size === 0 && groups.write.size === 0) {
      write.setVersion(original.getVersion());
      return { read, write, updated: false };
    }
    setAll(read.getGroupsMap(), groups.read);
    write.setVersion(original.getVersion());
    setAll(write.getPoliciesMap(), policies.write);
    setAll(write.getValuesMap(), values.write);
    setAll(write.getGroupsMap(), groups.write);
    return { read, write, updated: true };
  }
  setAll(read.getPoliciesMap(), policies.same);
  setAll(read.getValuesMap(), values.same);
  setAll(read.getGroupsMap(), new Map([...groups.read, ...groups.same]));
  write.setVersion(original.getVersion() + 1);
  write.setModPolicy(updated.getModPolicy());
  setAll(write.getPoliciesMap(), new Map([...policies.write, ...policies.same]));
  setAll(write.getValuesMap(), new Map([...values.write, ...values.same]));
  setAll(write.getGroupsMap(), new Map([...groups.write, ...groups.same]));
  return { read, write, updated: true };
}

/**
 * The configuration update that turns `original` into `updated`, computed as Fabric's
 * `configtxlator compute_update` does (internal/configtxlator/update): changed elements get
 * version + 1 in the write set, a group whose membership changes is written whole, and the read
 * set pins the versions the update was computed against.
 * @throws CliError when the two configurations do not differ.
 */
export function computeUpdate(channel: string, original: common.Config, updated: common.Config): common.ConfigUpdate {
  const o = original.getChannelGroup();
  const u = updated.getChannelGroup();
  if (!o || !u) throw new CliError('a configuration without a channel group cannot be compared');
  const g = groupUpdate(o, u);
  if (!g.updated) throw new CliError('no differences between the current and the updated configuration');
  const cu = new common.ConfigUpdate();
  cu.setChannelId(channel);
  cu.setReadSet(g.read);
  cu.setWriteSet(g.write);
  return cu;
}

/** A configuration update with no signatures yet, as a file that admins sign one by one. */
export function newUpdateEnvelope(update: common.ConfigUpdate): common.ConfigUpdateEnvelope {
  const env = new common.ConfigUpdateEnvelope();
  env.setConfigUpdate(update.serializeBinary());
  return env;
}

/**
 * Adds `id`'s signature (a ConfigSignature over signature header ‖ config update) to the envelope.
 * @throws CliError when this identity already signed it.
 */
export async function signUpdate(id: SigningIdentity, env: common.ConfigUpdateEnvelope): Promise<void> {
  const creator = serializeIdentity(id);
  for (const s of env.getSignaturesList()) {
    const h = common.SignatureHeader.deserializeBinary(s.getSignatureHeader_asU8());
    if (same(h.getCreator_asU8(), creator)) throw new CliError(`${id.mspId}'s identity has already signed this update`);
  }
  const { nonce } = newTransactionContext(id);
  const header = signatureHeader(creator, nonce).serializeBinary();
  const sig = new common.ConfigSignature();
  sig.setSignatureHeader(header);
  sig.setSignature(await id.sign(Buffer.concat([header, env.getConfigUpdate_asU8()])));
  env.addSignatures(sig);
}

/** The MSP IDs whose identities signed the envelope. */
export function signers(env: common.ConfigUpdateEnvelope): string[] {
  return env.getSignaturesList().map((s) => {
    const h = common.SignatureHeader.deserializeBinary(s.getSignatureHeader_asU8());
    return msp.SerializedIdentity.deserializeBinary(h.getCreator_asU8()).getMspid();
  });
}

/** The CONFIG_UPDATE transaction the orderer takes, signed by its submitter. */
export async function configUpdateTransaction(id: SigningIdentity, channel: string, env: common.ConfigUpdateEnvelope): Promise<common.Envelope> {
  const ctx = newTransactionContext(id);
  const header = new common.Header();
  header.setChannelHeader(channelHeader(common.HeaderType.CONFIG_UPDATE, channel, ctx.txId).serializeBinary());
  header.setSignatureHeader(signatureHeader(ctx.creator, ctx.nonce).serializeBinary());
  const payload = new common.Payload();
  payload.setHeader(header);
  payload.setData(env.serializeBinary());
  return signEnvelope(id, payload);
}
