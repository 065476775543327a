import type { ClientIdentity } from 'fabric-shim-api';
import { ALL_ROLES, ROLE_ATTRIBUTE, type Role } from '../constants';
import { WaybillError } from '../domain/errors';

/**
 * Who is calling: the organisation (MSP id of the submitting identity) and the role from its
 * certificate. No other identity detail is used or stored (a certificate subject can name a person).
 */
export interface Caller {
  readonly mspId: string;
  readonly role: Role;
}

/**
 * Resolves the caller from the client identity.
 *
 * @throws `FORBIDDEN` when the certificate has no `waybill.role` attribute or an unknown role.
 */
export function resolveCaller(identity: Pick<ClientIdentity, 'getMSPID' | 'getAttributeValue'>): Caller {
  const mspId = identity.getMSPID();
  const role = identity.getAttributeValue(ROLE_ATTRIBUTE);
  if (role === null || role === undefined || role === '') {
    throw WaybillError.forbidden(`identity of ${mspId} has no '${ROLE_ATTRIBUTE}' certificate attribute`);
  }
  if (!(ALL_ROLES as readonly string[]).includes(role)) {
    throw WaybillError.forbidden(`unknown role '${role.slice(0, 32)}' in '${ROLE_ATTRIBUTE}' (known: ${ALL_ROLES.join(', ')})`);
  }
  return { mspId, role: role as Role };
}
