import { common, msp } from '@hyperledger/fabric-protos';
import { KeyEndorsementPolicy } from 'fabric-shim';
import { majorityOf } from '../constants';
import { endorserRole } from './fabric-line';

// The principal role required from each organisation in key-level policies is `PEER`: an
// endorsement signed by a peer of that organisation (the network must classify peers with
// NodeOUs, as Fabric CA-issued MSPs do); on the 2.2 line (AMB's admincerts MSPs, no Node OUs) it
// is `MEMBER`: see {@link endorserRole}.

/**
 * Builds the key-level (state-based) endorsement policy requiring one peer of every given
 * organisation (duplicates removed, sorted so every endorser produces the same bytes).
 */
export function holdersPolicy(orgs: readonly string[]): Uint8Array {
  const policy = new KeyEndorsementPolicy();
  policy.addOrgs(endorserRole(), ...[...new Set(orgs)].sort());
  return policy.getPolicy();
}

/**
 * Builds the key-level policy requiring peers of a majority ({@link majorityOf}) of the given
 * organisations: `OutOf(n, 'A.peer', 'B.peer', …)` (`member` on the 2.2 line). fabric-shim's `KeyEndorsementPolicy` only
 * expresses "all of them", so the envelope is assembled from the same protobuf messages it uses.
 */
export function majorityPolicy(orgs: readonly string[]): Uint8Array {
  const mspIds = [...new Set(orgs)].sort();
  const principals = mspIds.map((mspId) => {
    const role = new msp.MSPRole();
    role.setMspIdentifier(mspId);
    role.setRole(endorserRole() === 'PEER' ? msp.MSPRole.MSPRoleType.PEER : msp.MSPRole.MSPRoleType.MEMBER);
    const principal = new msp.MSPPrincipal();
    principal.setPrincipalClassification(msp.MSPPrincipal.Classification.ROLE);
    principal.setPrincipal(role.serializeBinary());
    return principal;
  });
  const rules = mspIds.map((_, i) => {
    const signedBy = new common.SignaturePolicy();
    signedBy.setSignedBy(i);
    return signedBy;
  });
  const nOutOf = new common.SignaturePolicy.NOutOf();
  nOutOf.setN(majorityOf(mspIds.length));
  nOutOf.setRulesList(rules);
  const rule = new common.SignaturePolicy();
  rule.setNOutOf(nOutOf);
  const envelope = new common.SignaturePolicyEnvelope();
  envelope.setVersion(0);
  envelope.setIdentitiesList(principals);
  envelope.setRule(rule);
  return envelope.serializeBinary();
}

/** Organisations a key-level policy names and how many of them must endorse. */
export function describePolicy(policy: Uint8Array): { readonly orgs: readonly string[]; readonly n: number } {
  const envelope = common.SignaturePolicyEnvelope.deserializeBinary(policy);
  const orgs = new KeyEndorsementPolicy(policy).listOrgs().sort();
  const n = envelope.getRule()?.getNOutOf()?.getN() ?? orgs.length;
  return { orgs, n };
}
