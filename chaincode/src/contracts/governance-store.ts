import type { ChaincodeStub } from 'fabric-shim-api';
import { canonicalBytes } from '../domain/canonical-json';
import { WaybillError } from '../domain/errors';
import type { Governance, GovernanceInput } from '../domain/governance';
import { majorityPolicy } from './endorsement';
import { KEY_TYPES, governanceApprovalKey, governanceKey } from './ledger-keys';
import { sha256Hex } from './terms-store';

/**
 * The governance record on the ledger. Every write sets the record key's endorsement policy to a
 * majority of the members it lists, so the next change needs that majority's peers.
 */
export class GovernanceStore {
  readonly #stub: ChaincodeStub;
  #cached: Governance | undefined;

  constructor(stub: ChaincodeStub) {
    this.#stub = stub;
  }

  /** The record, or `undefined` before `initGovernance`. */
  async find(): Promise<Governance | undefined> {
    if (this.#cached !== undefined) return this.#cached;
    const bytes = await this.#stub.getState(governanceKey(this.#stub));
    if (bytes === undefined || bytes === null || bytes.length === 0) return undefined;
    let value: unknown;
    try {
      value = JSON.parse(Buffer.from(bytes).toString('utf8'));
    } catch {
      throw WaybillError.internal('the governance record is not valid JSON');
    }
    const record = value as Partial<Governance> | null;
    if (record === null || typeof record !== 'object' || record.docType !== 'waybill.governance' || !Array.isArray(record.members)) {
      throw WaybillError.internal('the governance record is not a waybill governance record');
    }
    this.#cached = record as Governance;
    return this.#cached;
  }

  /**
   * The record.
   *
   * @throws `CONFLICT` before `initGovernance`.
   */
  async get(): Promise<Governance> {
    const record = await this.find();
    if (record === undefined) {
      throw WaybillError.conflict('the channel has no governance record yet: run initGovernance (done by `waybill chaincode deploy`)');
    }
    return record;
  }

  /** Writes the record and its majority policy. */
  async put(record: Governance): Promise<void> {
    const key = governanceKey(this.#stub);
    await this.#stub.putState(key, canonicalBytes(record));
    await this.#stub.setStateValidationParameter(key, majorityPolicy(record.members));
    this.#cached = record;
  }

  /** Records `mspId`'s approval of `proposal`; returns the proposal's hash. */
  async approve(proposal: GovernanceInput, mspId: string): Promise<string> {
    const hash = proposalHash(proposal);
    await this.#stub.putState(governanceApprovalKey(this.#stub, proposal.version, hash, mspId), Buffer.from(mspId, 'utf8'));
    return hash;
  }

  /** Organisations that approved the proposal with this version and hash in earlier transactions. */
  async approvals(version: number, hash: string): Promise<string[]> {
    const orgs: string[] = [];
    const iterator = this.#stub.getStateByPartialCompositeKey(KEY_TYPES.GOVERNANCE_APPROVAL, [String(version), hash]);
    for await (const { key } of iterator) {
      const org = this.#stub.splitCompositeKey(key).attributes[2];
      if (org !== undefined) orgs.push(org);
    }
    return orgs.sort();
  }
}

/** Hash that names a proposal (canonical JSON of version, members and oversight). */
export function proposalHash(proposal: GovernanceInput): string {
  return sha256Hex(canonicalBytes({ version: proposal.version, members: proposal.members, oversight: proposal.oversight }));
}
