import type { Asset } from '../domain/asset';
import { WaybillError } from '../domain/errors';
import {
  rolesFor,
  statusesFor,
  transitionsOf,
  type Action,
  type Grant,
  type OrgRelation,
  type Transition,
} from '../domain/state-machine';
import type { Caller } from './caller';

/** Facts about the request that some relations need (e.g. whose personal-data reference). */
export interface AuthorizationFacts {
  /** Controller organisation of the personal-data reference acted upon. */
  readonly dataController?: string;
}

/** A permitted transition: the matching row and grant. */
export interface Authorization {
  readonly transition: Transition;
  readonly grant: Grant;
}

/**
 * Checks that the caller's role may perform `action` at all (before reading state).
 *
 * @throws `FORBIDDEN` naming the roles that may.
 */
export function requireRoleFor(action: Action, caller: Caller): void {
  const roles = rolesFor(action);
  if (!roles.includes(caller.role)) {
    throw WaybillError.forbidden(`role '${caller.role}' may not ${action}; requires role ${roles.join(' or ')}`);
  }
}

/**
 * Checks a caller may perform `action` on `asset` according to the state machine, in this order:
 * role allowed for the action (`FORBIDDEN`), status allows the action (`INVALID_TRANSITION`),
 * pending handover/sale the relation needs (`CONFLICT`), organisation relationship (`FORBIDDEN`).
 *
 * @returns the row and grant that permit it.
 */
export function authorize(action: Action, caller: Caller, asset: Asset, facts: AuthorizationFacts = {}): Authorization {
  requireRoleFor(action, caller);
  const rows = transitionsOf(action).filter((row) => row.from.includes(asset.status));
  if (rows.length === 0) {
    throw WaybillError.invalidTransition(
      `cannot ${action} asset '${asset.id}' in status ${asset.status}; allowed from ${statusesFor(action).join(', ')}`,
    );
  }
  const candidates: { transition: Transition; grant: Grant }[] = [];
  for (const transition of rows) {
    for (const grant of transition.grants) {
      if (grant.roles.includes(caller.role)) {
        candidates.push({ transition, grant });
      }
    }
  }
  if (candidates.length === 0) {
    const roles = [...new Set(rows.flatMap((r) => r.grants.flatMap((g) => g.roles)))];
    throw WaybillError.forbidden(
      `role '${caller.role}' may not ${action} asset '${asset.id}' in status ${asset.status}; requires role ${roles.join(' or ')}`,
    );
  }
  let firstFailure: WaybillError | undefined;
  for (const candidate of candidates) {
    const failure = relationFailure(candidate.grant.org, caller, asset, facts);
    if (failure === undefined) {
      return candidate;
    }
    firstFailure ??= failure;
  }
  throw firstFailure ?? WaybillError.forbidden(`${action} not permitted`);
}

/** Human description of what the caller's organisation must be, for error messages and docs. */
export function describeRelation(relation: OrgRelation): string {
  switch (relation) {
    case 'owner':
      return 'the owner';
    case 'custodian':
      return 'the custodian';
    case 'ownerOrCustodian':
      return 'the owner or the custodian';
    case 'holder':
      return 'both owner and custodian';
    case 'handoverRecipient':
      return 'the recipient of the pending handover';
    case 'handoverProposer':
      return 'the proposer of the pending handover';
    case 'saleBuyer':
      return 'the buyer of the pending sale';
    case 'saleSeller':
      return 'the seller of the pending sale';
    case 'saleParty':
      return 'the buyer or the seller of the pending sale';
    case 'manufacturer':
      return 'a manufacturer of the product';
    case 'dataController':
      return 'the controller of the personal-data reference';
    case 'anyOrg':
      return 'any organisation';
  }
}

function relationFailure(
  relation: OrgRelation,
  caller: Caller,
  asset: Asset,
  facts: AuthorizationFacts,
): WaybillError | undefined {
  const org = caller.mspId;
  const holders = `owner ${asset.owner}, custodian ${asset.custodian}`;
  const fail = (detail: string): WaybillError =>
    WaybillError.forbidden(`organisation ${org} is not ${describeRelation(relation)} of asset '${asset.id}' (${detail})`);
  switch (relation) {
    case 'anyOrg':
      return undefined;
    case 'owner':
      return org === asset.owner ? undefined : fail(holders);
    case 'custodian':
      return org === asset.custodian ? undefined : fail(holders);
    case 'ownerOrCustodian':
      return org === asset.owner || org === asset.custodian ? undefined : fail(holders);
    case 'holder':
      return org === asset.owner && org === asset.custodian ? undefined : fail(holders);
    case 'manufacturer':
      return asset.manufacturers.includes(org) ? undefined : fail(`manufacturers ${asset.manufacturers.join(', ')}`);
    case 'handoverRecipient':
    case 'handoverProposer': {
      const pending = asset.pendingHandover;
      if (pending === null) {
        return WaybillError.conflict(`asset '${asset.id}' has no pending handover`);
      }
      const expected = relation === 'handoverRecipient' ? pending.to : pending.from;
      return org === expected ? undefined : fail(`handover from ${pending.from} to ${pending.to}`);
    }
    case 'saleBuyer':
    case 'saleSeller':
    case 'saleParty': {
      const sale = asset.pendingSale;
      if (sale === null) {
        return WaybillError.conflict(`asset '${asset.id}' has no pending sale`);
      }
      const ok =
        (relation !== 'saleSeller' && org === sale.buyer) || (relation !== 'saleBuyer' && org === sale.seller);
      return ok ? undefined : fail(`sale from ${sale.seller} to ${sale.buyer}`);
    }
    case 'dataController':
      return facts.dataController === org ? undefined : fail(`controller ${facts.dataController ?? 'unknown'}`);
  }
}
