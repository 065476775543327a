import { common, msp, orderer, peer } from '@hyperledger/fabric-protos';
import { entries } from './config-update';

type Json = string | number | boolean | null | Json[] | { [k: string]: Json };

const text = (b: Uint8Array): string => Buffer.from(b).toString('utf8');

/** Decodes a configuration value by its well-known key; unknown keys stay base64. */
function decodeValue(key: string, bytes: Uint8Array): Json {
  switch (key) {
    case 'MSP': {
      const cfg = msp.MSPConfig.deserializeBinary(bytes);
      if (cfg.getType() !== 0) return { type: cfg.getType(), config: Buffer.from(cfg.getConfig_asU8()).toString('base64') };
      const f = msp.FabricMSPConfig.deserializeBinary(cfg.getConfig_asU8());
      return {
        name: f.getName(),
        root_certs: f.getRootCertsList_asU8().map(text),
        intermediate_certs: f.getIntermediateCertsList_asU8().map(text),
        admins: f.getAdminsList_asU8().map(text),
        revocation_list: f.getRevocationListList_asU8().map(text),
        tls_root_certs: f.getTlsRootCertsList_asU8().map(text),
        tls_intermediate_certs: f.getTlsIntermediateCertsList_asU8().map(text),
        node_ous_enabled: f.getFabricNodeOus()?.getEnable() ?? false,
      };
    }
    case 'AnchorPeers':
      return peer.AnchorPeers.deserializeBinary(bytes)
        .getAnchorPeersList()
        .map((a) => ({ host: a.getHost(), port: a.getPort() }));
    case 'Capabilities':
      return [...entries(common.Capabilities.deserializeBinary(bytes).getCapabilitiesMap()).keys()].sort();
    case 'ConsensusType': {
      const c = orderer.ConsensusType.deserializeBinary(bytes);
      const out: { [k: string]: Json } = { type: c.getType(), state: c.getState() };
      if (c.getType() === 'etcdraft') {
        const meta = orderer.etcdraft.ConfigMetadata.deserializeBinary(c.getMetadata_asU8());
        out['consenters'] = meta.getConsentersList().map((x) => ({ host: x.getHost(), port: x.getPort() }));
      }
      return out;
    }
    case 'BatchSize':
      return orderer.BatchSize.deserializeBinary(bytes).toObject();
    case 'BatchTimeout':
      return orderer.BatchTimeout.deserializeBinary(bytes).getTimeout();
    case 'Endpoints':
    case 'OrdererAddresses':
      return common.OrdererAddresses.deserializeBinary(bytes).getAddressesList();
    case 'HashingAlgorithm':
      return common.HashingAlgorithm.deserializeBinary(bytes).getName();
    case 'BlockDataHashingStructure':
      return common.BlockDataHashingStructure.deserializeBinary(bytes).getWidth();
    default:
      return { base64: Buffer.from(bytes).toString('base64') };
  }
}

function describeSignature(env: common.SignaturePolicyEnvelope): string {
  const ids = env.getIdentitiesList().map((p) => {
    const r = msp.MSPRole.deserializeBinary(p.getPrincipal_asU8());
    const role = Object.entries(msp.MSPRole.MSPRoleType).find(([, v]) => v === r.getRole())?.[0]?.toLowerCase() ?? '?';
    return `'${r.getMspIdentifier()}.${role}'`;
  });
  const rule = (r: common.SignaturePolicy | undefined): string => {
    if (!r) return '?';
    if (r.hasSignedBy()) return ids[r.getSignedBy()] ?? '?';
    const g = r.getNOutOf();
    return `OutOf(${g?.getN() ?? 0}, ${(g?.getRulesList() ?? []).map(rule).join(', ')})`;
  };
  return rule(env.getRule());
}

function decodePolicy(p: common.Policy | undefined): Json {
  if (!p) return null;
  if (p.getType() === common.Policy.PolicyType.IMPLICIT_META) {
    const m = common.ImplicitMetaPolicy.deserializeBinary(p.getValue_asU8());
    const rule = Object.entries(common.ImplicitMetaPolicy.Rule).find(([, v]) => v === m.getRule())?.[0] ?? '?';
    return `${rule} ${m.getSubPolicy()}`;
  }
  if (p.getType() === common.Policy.PolicyType.SIGNATURE) return describeSignature(common.SignaturePolicyEnvelope.deserializeBinary(p.getValue_asU8()));
  return { type: p.getType(), base64: Buffer.from(p.getValue_asU8()).toString('base64') };
}

/** A configuration group as readable JSON (values decoded by key, policies in Fabric's notation). */
export function groupToJson(g: common.ConfigGroup): Json {
  const sorted = <T>(m: Map<string, T>): [string, T][] => [...m].sort(([a], [b]) => a.localeCompare(b));
  return {
    version: g.getVersion(),
    mod_policy: g.getModPolicy(),
    values: Object.fromEntries(
      sorted(entries<common.ConfigValue>(g.getValuesMap())).map(([k, v]) => [k, { version: v.getVersion(), mod_policy: v.getModPolicy(), value: decodeValue(k, v.getValue_asU8()) }]),
    ),
    policies: Object.fromEntries(
      sorted(entries<common.ConfigPolicy>(g.getPoliciesMap())).map(([k, p]) => [k, { version: p.getVersion(), mod_policy: p.getModPolicy(), policy: decodePolicy(p.getPolicy()) }]),
    ),
    groups: Object.fromEntries(sorted(entries<common.ConfigGroup>(g.getGroupsMap())).map(([k, s]) => [k, groupToJson(s)])),
  };
}

/** The channel configuration as JSON (what `configtxlator proto_decode` shows, in short). */
export function configToJson(c: common.Config): Json {
  const g = c.getChannelGroup();
  return { sequence: c.getSequence(), channel_group: g ? groupToJson(g) : null };
}
