import type { Caller } from './caller';
import { WaybillError } from '../domain/errors';
import { roleRefusal, type Governance } from '../domain/governance';

/**
 * Checks the caller's role is one its organisation may use according to the channel's governance
 * record (`ROLE_ORGANISATIONS`): oversight roles only in designated oversight organisations,
 * trading roles only in member organisations that are not, admin in any member.
 *
 * @throws `FORBIDDEN` naming the rule.
 */
export function requireRoleBoundToOrg(caller: Caller, governance: Governance): void {
  const refusal = roleRefusal(governance, caller.mspId, caller.role);
  if (refusal !== undefined) {
    throw WaybillError.forbidden(refusal);
  }
}
