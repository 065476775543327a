import { requireRoleBoundToOrg } from '../../access/org-binding';
import { EVENTS, ROLES } from '../../constants';
import { WaybillError } from '../../domain/errors';
import { governanceMajority, parseGovernanceInput, type Governance } from '../../domain/governance';
import { proposalHash } from '../governance-store';
import type { TxContext } from '../tx-context';

/** Outcome of `approveGovernance`. */
export interface GovernanceApproval {
  readonly version: number;
  readonly proposalHash: string;
  /** Member organisations that approved this proposal so far (this one included). */
  readonly approvals: readonly string[];
  /** Approvals the change needs (a majority of the current members). */
  readonly needed: number;
  /** True when this approval completed the majority and the record was replaced. */
  readonly applied: boolean;
}

/**
 * Writes the first governance record (version 1). Called once, by `waybill chaincode deploy`, as
 * an admin of one of the listed members; its endorsement needs the chaincode-level policy (a
 * majority of the members' peers), and every later change a majority of members' approvals.
 *
 * @throws `FORBIDDEN` (not an admin of a listed member), `CONFLICT` (already initialised),
 *   `INVALID_ARGUMENT`.
 */
export async function initGovernance(tx: TxContext, input: string): Promise<Governance> {
  const caller = tx.caller;
  if (caller.role !== ROLES.ADMIN) {
    throw WaybillError.forbidden(`role '${caller.role}' may not initGovernance; requires role admin`);
  }
  const proposal = parseGovernanceInput(input);
  if (proposal.version !== 1) {
    throw WaybillError.invalidArgument('input.version of the first governance record must be 1');
  }
  if (!proposal.members.includes(caller.mspId)) {
    throw WaybillError.forbidden(`organisation ${caller.mspId} is not among the members it proposes`);
  }
  const existing = await tx.governance.find();
  if (existing !== undefined) {
    throw WaybillError.conflict(`the governance record exists (version ${existing.version}); change it with approveGovernance`);
  }
  const record: Governance = {
    docType: 'waybill.governance',
    schemaVersion: 1,
    ...proposal,
    updatedAt: tx.now,
    updatedTxId: tx.txId,
  };
  await tx.governance.put(record);
  tx.events.emit(EVENTS.GOVERNANCE_CHANGED, tx.envelope(), {
    version: record.version,
    members: record.members,
    oversight: record.oversight,
    proposalHash: proposalHash(proposal),
    approvals: [caller.mspId],
    applied: true,
  });
  return record;
}

/**
 * Records the caller organisation's approval of the next governance record; the approval that
 * completes a majority of the current members replaces the record (and its key-level policy).
 *
 * @throws `FORBIDDEN` (not an admin of a member), `CONFLICT` (wrong version, or already approved
 *   by this organisation), `INVALID_ARGUMENT`.
 */
export async function approveGovernance(tx: TxContext, input: string): Promise<GovernanceApproval> {
  const caller = tx.caller;
  if (caller.role !== ROLES.ADMIN) {
    throw WaybillError.forbidden(`role '${caller.role}' may not approveGovernance; requires role admin`);
  }
  const proposal = parseGovernanceInput(input);
  const current = await tx.governance.get();
  requireRoleBoundToOrg(caller, current);
  if (proposal.version !== current.version + 1) {
    throw WaybillError.conflict(`governance is at version ${current.version}; a change must propose version ${current.version + 1}`);
  }
  const hash = proposalHash(proposal);
  const earlier = (await tx.governance.approvals(proposal.version, hash)).filter((o) => current.members.includes(o));
  if (earlier.includes(caller.mspId)) {
    throw WaybillError.conflict(`organisation ${caller.mspId} already approved this proposal`);
  }
  await tx.governance.approve(proposal, caller.mspId);
  const approvals = [...earlier, caller.mspId].sort();
  const needed = governanceMajority(current);
  const applied = approvals.length >= needed;
  if (applied) {
    await tx.governance.put({ ...current, ...proposal, updatedAt: tx.now, updatedTxId: tx.txId });
  }
  tx.events.emit(EVENTS.GOVERNANCE_CHANGED, tx.envelope(), {
    version: applied ? proposal.version : current.version,
    members: applied ? proposal.members : current.members,
    oversight: applied ? proposal.oversight : current.oversight,
    proposalHash: hash,
    approvals,
    applied,
  });
  return { version: proposal.version, proposalHash: hash, approvals, needed, applied };
}

/** The current governance record. @throws `CONFLICT` before `initGovernance`. */
export async function getGovernance(tx: TxContext): Promise<Governance> {
  return tx.governance.get();
}
