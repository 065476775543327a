import { KeyEndorsementPolicy } from 'fabric-shim';

/**
 * Principal role required from each organisation in key-level policies. `PEER` means an
 * endorsement signed by a peer of that organisation (the network must classify peers with
 * NodeOUs, as Fabric CA-issued MSPs do).
 */
export const ENDORSER_ROLE = 'PEER';

/**
 * Builds the key-level (state-based) endorsement policy requiring one peer of every given
 * organisation (duplicates removed, sorted so every endorser produces the same bytes).
 */
export function holdersPolicy(orgs: readonly string[]): Uint8Array {
  const policy = new KeyEndorsementPolicy();
  policy.addOrgs(ENDORSER_ROLE, ...[...new Set(orgs)].sort());
  return policy.getPolicy();
}
