import { ROLE_ORGANISATIONS, majorityOf, type Role } from '../constants';
import { WaybillError } from './errors';
import { RE, expectArray, expectObject, expectOnlyFields, parseJsonObject } from './validation';

/**
 * The channel's governance record: which organisations are members (may be counterparties) and
 * which of them are designated for oversight (the only ones whose identities may act as
 * `regulator` or `auditor`). Its key carries a key-level endorsement policy requiring a majority
 * of the members' peers, so no organisation alone can change it.
 */
export interface Governance {
  readonly docType: 'waybill.governance';
  readonly schemaVersion: 1;
  /** Version, 1 for the first record; each change must name the next one. */
  readonly version: number;
  /** MSP ids of the member organisations, sorted. */
  readonly members: readonly string[];
  /** MSP ids of the oversight organisations (a subset of `members`), sorted. */
  readonly oversight: readonly string[];
  readonly updatedAt: string;
  readonly updatedTxId: string;
}

/** A governance record as proposed (`initGovernance`, `approveGovernance`). */
export interface GovernanceInput {
  readonly version: number;
  readonly members: readonly string[];
  readonly oversight: readonly string[];
}

/** Fields of the governance input (rejects unknown ones). */
export const GOVERNANCE_INPUT_FIELDS = ['version', 'members', 'oversight'] as const;

/** Most member organisations a governance record lists. */
export const MAX_MEMBERS = 64;

/**
 * Parses a governance proposal: 2..64 distinct member MSP ids, at least one and fewer than all
 * of them designated for oversight, a positive version.
 *
 * @throws `INVALID_ARGUMENT` naming the first bad field.
 */
export function parseGovernanceInput(raw: unknown): GovernanceInput {
  const obj = expectObject(parseJsonObject(raw, 'input'), 'input');
  expectOnlyFields(obj, GOVERNANCE_INPUT_FIELDS, 'input');
  const version = obj['version'];
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 1 || version > 1_000_000) {
    throw WaybillError.invalidArgument('input.version must be an integer in 1..1000000');
  }
  const mspList = (field: 'members' | 'oversight', min: number): string[] => {
    const list = expectArray(obj[field], `input.${field}`, min, MAX_MEMBERS).map((v, i) => {
      if (typeof v !== 'string' || !RE.MSP_ID.test(v)) {
        throw WaybillError.invalidArgument(`input.${field}[${i}] must be an MSP id`);
      }
      return v;
    });
    if (new Set(list).size !== list.length) {
      throw WaybillError.invalidArgument(`input.${field} lists an organisation twice`);
    }
    return [...list].sort();
  };
  const members = mspList('members', 2);
  const oversight = mspList('oversight', 1);
  const stranger = oversight.find((o) => !members.includes(o));
  if (stranger !== undefined) {
    throw WaybillError.invalidArgument(`input.oversight names ${stranger}, which is not in input.members`);
  }
  if (oversight.length === members.length) {
    throw WaybillError.invalidArgument('input.oversight must leave at least one trading organisation');
  }
  return { version, members, oversight };
}

/** Number of member endorsements (and approvals) a change of this record needs. */
export function governanceMajority(governance: Pick<Governance, 'members'>): number {
  return majorityOf(governance.members.length);
}

/** True when `mspId` is a member organisation. */
export function isMember(governance: Pick<Governance, 'members'>, mspId: string): boolean {
  return governance.members.includes(mspId);
}

/** True when `mspId` is a member organisation that is not designated for oversight. */
export function isTrading(governance: Pick<Governance, 'members' | 'oversight'>, mspId: string): boolean {
  return governance.members.includes(mspId) && !governance.oversight.includes(mspId);
}

/**
 * Whether an identity of `mspId` may use `role` at all (the access table {@link ROLE_ORGANISATIONS}).
 *
 * @returns `undefined` when it may, otherwise why not.
 */
export function roleRefusal(governance: Governance, mspId: string, role: Role): string | undefined {
  const set = ROLE_ORGANISATIONS[role];
  if (!isMember(governance, mspId)) {
    return `organisation ${mspId} is not a member of the channel's governance record`;
  }
  if (set === 'oversight' && !governance.oversight.includes(mspId)) {
    return `role '${role}' is reserved to oversight organisations (${governance.oversight.join(', ')}); ${mspId} is not designated`;
  }
  if (set === 'trading' && governance.oversight.includes(mspId)) {
    return `role '${role}' is for trading organisations; ${mspId} is an oversight organisation`;
  }
  return undefined;
}
