import { common, msp, peer } from '@hyperledger/fabric-protos';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { CliError } from '../common/errors';
import { parseSignaturePolicy } from './policy';

const files = (dir: string): Buffer[] =>
  existsSync(dir)
    ? readdirSync(dir)
        .sort()
        .map((n) => readFileSync(path.join(dir, n)))
    : [];

/**
 * An organisation's channel MSP from its public MSP folder (cacerts/, intermediatecerts/,
 * tlscacerts/, crls/, config.yaml with Node OUs), as configtxgen builds it from `MSPDir`.
 * @throws CliError when the folder holds no CA certificate.
 */
export function mspConfig(mspId: string, mspDir: string): msp.MSPConfig {
  const f = new msp.FabricMSPConfig();
  f.setName(mspId);
  const roots = files(path.join(mspDir, 'cacerts'));
  if (!roots.length) throw new CliError(`${mspDir}/cacerts holds no CA certificate`);
  f.setRootCertsList(roots);
  f.setIntermediateCertsList(files(path.join(mspDir, 'intermediatecerts')));
  f.setAdminsList(files(path.join(mspDir, 'admincerts')));
  f.setRevocationListList(files(path.join(mspDir, 'crls')));
  f.setTlsRootCertsList(files(path.join(mspDir, 'tlscacerts')));
  f.setTlsIntermediateCertsList(files(path.join(mspDir, 'tlsintermediatecerts')));
  const crypto = new msp.FabricCryptoConfig();
  crypto.setSignatureHashFamily('SHA2');
  crypto.setIdentityIdentifierHashFunction('SHA256');
  f.setCryptoConfig(crypto);
  const cfgFile = path.join(mspDir, 'config.yaml');
  if (existsSync(cfgFile)) {
    type Ou = { Certificate?: string; OrganizationalUnitIdentifier?: string } | undefined;
    const cfg = parse(readFileSync(cfgFile, 'utf8')) as { NodeOUs?: { Enable?: boolean } & Record<string, Ou> };
    const ous = cfg.NodeOUs;
    if (ous?.Enable) {
      const n = new msp.FabricNodeOUs();
      n.setEnable(true);
      const ou = (o: Ou): msp.FabricOUIdentifier | undefined => {
        if (!o?.OrganizationalUnitIdentifier) return undefined;
        const id = new msp.FabricOUIdentifier();
        id.setOrganizationalUnitIdentifier(o.OrganizationalUnitIdentifier);
        if (o.Certificate) id.setCertificate(readFileSync(path.join(mspDir, o.Certificate)));
        return id;
      };
      n.setClientOuIdentifier(ou(ous['ClientOUIdentifier']));
      n.setPeerOuIdentifier(ou(ous['PeerOUIdentifier']));
      n.setAdminOuIdentifier(ou(ous['AdminOUIdentifier']));
      n.setOrdererOuIdentifier(ou(ous['OrdererOUIdentifier']));
      f.setFabricNodeOus(n);
    }
  }
  const m = new msp.MSPConfig();
  m.setType(0);
  m.setConfig(f.serializeBinary());
  return m;
}

function signaturePolicy(rule: string): common.ConfigPolicy {
  const p = new common.Policy();
  p.setType(common.Policy.PolicyType.SIGNATURE);
  p.setValue(parseSignaturePolicy(rule).serializeBinary());
  const cp = new common.ConfigPolicy();
  cp.setModPolicy('Admins');
  cp.setPolicy(p);
  return cp;
}

/** The `AnchorPeers` configuration value. */
export function anchorPeersValue(anchors: readonly { host: string; port: number }[]): Uint8Array {
  const ap = new peer.AnchorPeers();
  ap.setAnchorPeersList(
    anchors.map((a) => {
      const x = new peer.AnchorPeer();
      x.setHost(a.host);
      x.setPort(a.port);
      return x;
    }),
  );
  return ap.serializeBinary();
}

/**
 * The Application group of a peer organisation with the network's policies (Readers: admin, peer,
 * client; Writers: admin, client; Admins: admin; Endorsement: peer), as network/configtx renders
 * them for the founders.
 */
export function applicationOrgGroup(mspId: string, mspDir: string, anchorPeers: readonly { host: string; port: number }[] = []): common.ConfigGroup {
  const g = new common.ConfigGroup();
  g.setModPolicy('Admins');
  const or = (roles: string[]): string => `OR(${roles.map((r) => `'${mspId}.${r}'`).join(', ')})`;
  g.getPoliciesMap().set('Readers', signaturePolicy(or(['admin', 'peer', 'client'])));
  g.getPoliciesMap().set('Writers', signaturePolicy(or(['admin', 'client'])));
  g.getPoliciesMap().set('Admins', signaturePolicy(or(['admin'])));
  g.getPoliciesMap().set('Endorsement', signaturePolicy(or(['peer'])));
  const value = (bytes: Uint8Array): common.ConfigValue => {
    const v = new common.ConfigValue();
    v.setModPolicy('Admins');
    v.setValue(bytes);
    return v;
  };
  g.getValuesMap().set('MSP', value(mspConfig(mspId, mspDir).serializeBinary()));
  if (anchorPeers.length) g.getValuesMap().set('AnchorPeers', value(anchorPeersValue(anchorPeers)));
  return g;
}
