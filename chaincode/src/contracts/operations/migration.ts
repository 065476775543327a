import { EVENTS, LIMITS, ROLES, majorityOf } from '../../constants';
import { canonicalJson } from '../../domain/canonical-json';
import { WaybillError } from '../../domain/errors';
import { RE, expectArray, expectInteger, expectObject, expectOnlyFields, expectPattern, expectSha256, parseJsonObject } from '../../domain/validation';
import type { Asset } from '../../domain/asset';
import type { RecallRecord } from '../../domain/recall';
import { leafHash, verifyInclusion } from '../../migration/merkle';
import {
  describeRecord,
  type AssetExportPage,
  type ImportProvenance,
  type MigrationAttestation,
  type MigrationAttestationInput,
  type MigrationImport,
  type MigrationStatus,
  type Provenance,
  type RecallExportPage,
} from '../../migration/records';
import { decodeAsset } from '../asset-store';
import { describePolicy, holdersPolicy, majorityPolicy } from '../endorsement';
import { KEY_TYPES, migrationAttestationKey, migrationImportKey, migrationProvenanceKey, recallKey } from '../ledger-keys';
import type { TxContext } from '../tx-context';

const CHANNEL = /^[a-z][a-z0-9.-]{0,248}$/;
const HEX32 = /^[0-9a-f]{64}$/;

// ---------------------------------------------------------------- export (source network)

/**
 * One page of every asset in key (id) order, each with its key-level endorsement policy: the
 * world-state reader of `waybill migrate export` and `verify` (evaluate only: Fabric pages
 * range queries in read-only transactions).
 *
 * @throws `INVALID_ARGUMENT` (page size, bookmark).
 */
export async function exportAssets(tx: TxContext, pageSizeArg: number, bookmarkArg: string): Promise<AssetExportPage> {
  void tx.caller;
  const pageSize = expectInteger(pageSizeArg, 'pageSize', 1, LIMITS.MAX_PAGE_SIZE);
  const bookmark = expectBookmark(tx, KEY_TYPES.ASSET, bookmarkArg);
  const { iterator, metadata } = await tx.stub.getStateByPartialCompositeKeyWithPagination(KEY_TYPES.ASSET, [], pageSize, bookmark);
  const records: { asset: Asset; endorsement: { orgs: readonly string[]; n: number } }[] = [];
  try {
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
      const asset = decodeAsset(next.value.value, `asset key ${JSON.stringify(next.value.key)}`);
      const policy = await tx.stub.getStateValidationParameter(next.value.key);
      if (policy === undefined || policy === null || policy.length === 0) {
        throw WaybillError.internal(`asset '${asset.id}' has no key-level endorsement policy`);
      }
      records.push({ asset, endorsement: describePolicy(policy) });
    }
  } finally {
    await iterator.close();
  }
  const page = metadata as typeof metadata | undefined;
  return { records, bookmark: page?.bookmark ?? '' };
}

/**
 * One page of every recall record in key (id) order, each with the transaction that last wrote
 * its key on this ledger (`lastTxIds`, from the history database). That is the record's
 * provenance: a recall's own `updatedTxId` names the source network's transaction when the
 * record was imported by a migration (its value is carried over unchanged).
 *
 * @throws `INVALID_ARGUMENT` (page size, bookmark), `INTERNAL` (a recall key without history).
 */
export async function exportRecalls(tx: TxContext, pageSizeArg: number, bookmarkArg: string): Promise<RecallExportPage> {
  void tx.caller;
  const pageSize = expectInteger(pageSizeArg, 'pageSize', 1, LIMITS.MAX_PAGE_SIZE);
  const bookmark = expectBookmark(tx, KEY_TYPES.RECALL, bookmarkArg);
  const { iterator, metadata } = await tx.stub.getStateByPartialCompositeKeyWithPagination(KEY_TYPES.RECALL, [], pageSize, bookmark);
  const records: RecallRecord[] = [];
  const keys: string[] = [];
  try {
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
      records.push(JSON.parse(Buffer.from(next.value.value).toString('utf8')) as RecallRecord);
      keys.push(next.value.key);
    }
  } finally {
    await iterator.close();
  }
  const lastTxIds: string[] = [];
  for (const key of keys) lastTxIds.push(await lastWriteOf(tx, key));
  const page = metadata as typeof metadata | undefined;
  return { records, lastTxIds, bookmark: page?.bookmark ?? '' };
}

/** The transaction that last wrote `key`: the first entry of its history (Fabric's order is newest first). */
async function lastWriteOf(tx: TxContext, key: string): Promise<string> {
  const iterator = await tx.stub.getHistoryForKey(key);
  try {
    const first = await iterator.next();
    if (first.done) throw WaybillError.internal(`key ${JSON.stringify(key)} has no history`);
    return first.value.txId;
  } finally {
    await iterator.close();
  }
}

function expectBookmark(tx: TxContext, objectType: string, bookmark: unknown): string {
  const value = typeof bookmark === 'string' ? bookmark : '';
  if (value !== '' && !value.startsWith(tx.stub.createCompositeKey(objectType, []))) {
    throw WaybillError.invalidArgument(`bookmark does not belong to this ${objectType} export`);
  }
  return value;
}

// ---------------------------------------------------------------- attestation (target network)

/**
 * Records that the caller's organisation verified an export against its own peer of the source
 * network: its root, record count and file hash. Admins only; one attestation per organisation
 * and root; every attestation of a root must agree.
 *
 * @throws `FORBIDDEN` (not an admin), `INVALID_ARGUMENT`, `CONFLICT` (disagrees with another
 *   attestation of the same root, or the organisation already attested it).
 */
export async function attestMigration(tx: TxContext, inputArg: string): Promise<MigrationAttestation> {
  const caller = requireAdmin(tx, 'attestMigration');
  const input = parseAttestation(inputArg);
  for (const other of await attestationsOf(tx, input.root)) {
    const same = other.recordCount === input.recordCount && other.exportSha256 === input.exportSha256 && other.sourceChannel === input.sourceChannel;
    if (!same) {
      throw WaybillError.conflict(
        `${other.mspId} attested root ${input.root} for ${other.recordCount} records of export ${other.exportSha256} from ${other.sourceChannel}; ` +
          `this attestation says ${input.recordCount} records of export ${input.exportSha256} from ${input.sourceChannel}`,
      );
    }
    if (other.mspId === caller.mspId) {
      throw WaybillError.conflict(`${caller.mspId} already attested root ${input.root} (transaction ${other.txId})`);
    }
  }
  const attestation: MigrationAttestation = {
    docType: 'waybill.migration.attestation',
    ...input,
    mspId: caller.mspId,
    at: tx.now,
    txId: tx.txId,
  };
  await tx.stub.putState(migrationAttestationKey(tx.stub, input.root, caller.mspId), Buffer.from(canonicalJson(attestation), 'utf8'));
  tx.events.emit(EVENTS.MIGRATION_ATTESTED, tx.envelope(), {
    root: input.root,
    recordCount: input.recordCount,
    exportSha256: input.exportSha256,
    sourceChannel: input.sourceChannel,
    org: caller.mspId,
  });
  return attestation;
}

function parseAttestation(raw: string): MigrationAttestationInput {
  const obj = parseJsonObject(raw, 'input');
  expectOnlyFields(obj, ['root', 'recordCount', 'exportSha256', 'sourceChannel'], 'input');
  return {
    root: expectSha256(obj['root'], 'input.root'),
    recordCount: expectInteger(obj['recordCount'], 'input.recordCount', 0, Number.MAX_SAFE_INTEGER),
    exportSha256: expectSha256(obj['exportSha256'], 'input.exportSha256'),
    sourceChannel: expectPattern(obj['sourceChannel'], 'input.sourceChannel', CHANNEL),
  };
}

async function attestationsOf(tx: TxContext, root: string): Promise<MigrationAttestation[]> {
  const out: MigrationAttestation[] = [];
  const iterator = tx.stub.getStateByPartialCompositeKey(KEY_TYPES.MIGRATION_ATTESTATION, [root]);
  for await (const { value } of iterator) {
    out.push(JSON.parse(Buffer.from(value).toString('utf8')) as MigrationAttestation);
  }
  return out.sort((a, b) => (a.mspId < b.mspId ? -1 : a.mspId > b.mspId ? 1 : 0));
}

/**
 * Attestations of a root and import progress.
 *
 * @throws `INVALID_ARGUMENT` (root).
 */
export async function getMigration(tx: TxContext, rootArg: string): Promise<MigrationStatus> {
  void tx.caller;
  const root = expectSha256(rootArg, 'root');
  const governance = await tx.governance.get();
  const attestations = await attestationsOf(tx, root);
  const bytes = await tx.stub.getState(migrationImportKey(tx.stub, root));
  return {
    root,
    attestations,
    attestedBy: attestations.map((a) => a.mspId).filter((m) => governance.members.includes(m)),
    required: majorityOf(governance.members.length),
    import: bytes === undefined || bytes.length === 0 ? null : (JSON.parse(Buffer.from(bytes).toString('utf8')) as MigrationImport),
  };
}

// ---------------------------------------------------------------- import (target network)

/**
 * Imports the next records of an export whose root a majority of the member organisations
 * attested. Records come in export order, none skipped, each with its RFC 9162 audit path; a
 * record that does not prove into the attested root (changed or added), a gap (a record
 * dropped) or a record already imported refuses the whole batch, naming the record. Assets keep
 * id, holders, status, lineage and key-level policy; each gets a provenance entry pointing to
 * where it was last written on the source.
 *
 * @throws `FORBIDDEN` (not an admin), `CONFLICT` (root not attested by a majority, import
 *   complete, record already imported), `INVALID_ARGUMENT` (malformed batch, a record not
 *   canonical, not proven, out of order or outside the export), `ASSET_EXISTS`.
 */
export async function importRecords(tx: TxContext, rootArg: string, inputArg: string): Promise<MigrationImport> {
  requireAdmin(tx, 'importRecords');
  const root = expectSha256(rootArg, 'root');
  const entries = parseBatch(inputArg);
  const status = await getMigration(tx, root);
  if (status.attestedBy.length < status.required) {
    throw WaybillError.conflict(
      `root ${root} is attested by ${status.attestedBy.length} of the member organisations (${status.attestedBy.join(', ') || 'none'}); ` +
        `importing needs ${status.required}`,
    );
  }
  const first = status.attestations[0] as MigrationAttestation;
  let state: MigrationImport = status.import ?? {
    docType: 'waybill.migration.import',
    root,
    recordCount: first.recordCount,
    exportSha256: first.exportSha256,
    sourceChannel: first.sourceChannel,
    nextIndex: 0,
    imported: { asset: 0, recall: 0 },
    complete: first.recordCount === 0,
    updatedAt: tx.now,
    updatedTxId: tx.txId,
  };
  if (state.complete) {
    throw WaybillError.conflict(`the import of root ${root} is complete (${state.recordCount} records)`);
  }
  const rootBytes = Buffer.from(root, 'hex');
  const assetIds: string[] = [];
  const firstIndex = state.nextIndex;
  for (const [i, entry] of entries.entries()) {
    const record = parseRecord(entry.record, `input.records[${i}]`);
    const name = describeRecord(record.index, record.kind, record.id);
    if (record.index < state.nextIndex) {
      throw WaybillError.conflict(`${name} is already imported`);
    }
    if (record.index >= state.recordCount) {
      throw WaybillError.invalidArgument(`${name} lies outside the attested export of ${state.recordCount} records: not in root ${root}`);
    }
    if (record.index > state.nextIndex) {
      throw WaybillError.invalidArgument(`record #${state.nextIndex} is missing: the batch gives ${name} next`);
    }
    const proof = entry.proof.map((h) => Buffer.from(h, 'hex'));
    if (!verifyInclusion(leafHash(entry.record), record.index, state.recordCount, proof, rootBytes)) {
      throw WaybillError.invalidArgument(`${name} is not included in the attested root ${root}: it was changed or added`);
    }
    if (record.kind === 'asset') {
      await importAsset(tx, root, record);
      assetIds.push(record.id);
    } else {
      await importRecall(tx, record);
    }
    state = {
      ...state,
      nextIndex: state.nextIndex + 1,
      imported: { ...state.imported, [record.kind]: state.imported[record.kind] + 1 },
    };
  }
  state = { ...state, complete: state.nextIndex === state.recordCount, updatedAt: tx.now, updatedTxId: tx.txId };
  await tx.stub.putState(migrationImportKey(tx.stub, root), Buffer.from(canonicalJson(state), 'utf8'));
  tx.events.emit(EVENTS.RECORDS_IMPORTED, tx.envelope(), {
    root,
    fromIndex: firstIndex,
    toIndex: state.nextIndex - 1,
    assetIds,
    complete: state.complete,
  });
  return state;
}

interface ParsedAsset {
  readonly kind: 'asset';
  readonly index: number;
  readonly id: string;
  readonly asset: Asset;
  readonly endorsement: { readonly orgs: readonly string[]; readonly n: number };
  readonly provenance: Provenance;
}
interface ParsedRecall {
  readonly kind: 'recall';
  readonly index: number;
  readonly id: string;
  readonly recall: RecallRecord;
  readonly provenance: Provenance;
}

function parseBatch(raw: string): { record: string; proof: string[] }[] {
  if (typeof raw !== 'string' || raw.length > LIMITS.MAX_IMPORT_BATCH_LENGTH) {
    throw WaybillError.invalidArgument(`input must be a JSON string of at most ${LIMITS.MAX_IMPORT_BATCH_LENGTH} characters`);
  }
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    throw WaybillError.invalidArgument('input is not valid JSON');
  }
  const obj = expectObject(value, 'input');
  expectOnlyFields(obj, ['records'], 'input');
  return expectArray(obj['records'], 'input.records', 1, LIMITS.MAX_IMPORT_BATCH).map((item, i) => {
    const entry = expectObject(item, `input.records[${i}]`);
    expectOnlyFields(entry, ['record', 'proof'], `input.records[${i}]`);
    const record = entry['record'];
    if (typeof record !== 'string') throw WaybillError.invalidArgument(`input.records[${i}].record must be a string (canonical JSON)`);
    const proof = expectArray(entry['proof'], `input.records[${i}].proof`, 0, 64).map((h, j) => {
      if (typeof h !== 'string' || !HEX32.test(h)) throw WaybillError.invalidArgument(`input.records[${i}].proof[${j}] must be 64 hex`);
      return h;
    });
    return { record, proof };
  });
}

function parseRecord(raw: string, path: string): ParsedAsset | ParsedRecall {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    throw WaybillError.invalidArgument(`${path}.record is not valid JSON`);
  }
  const obj = expectObject(value, `${path}.record`);
  const index = expectInteger(obj['index'], `${path}.record.index`, 0, Number.MAX_SAFE_INTEGER);
  const id = expectPattern(obj['id'], `${path}.record.id`, RE.ID);
  const kind = obj['kind'];
  const name = describeRecord(index, typeof kind === 'string' ? kind : '?', id);
  if (canonicalJson(value) !== raw) {
    throw WaybillError.invalidArgument(`${name} is not in canonical JSON (RFC 8785)`);
  }
  const provenance = expectObject(obj['provenance'], `${path}.record.provenance`) as unknown as Provenance;
  if (kind === 'asset') {
    const asset = decodeAsset(Buffer.from(canonicalJson(obj['asset']), 'utf8'), name);
    const endorsement = expectObject(obj['endorsement'], `${path}.record.endorsement`) as unknown as ParsedAsset['endorsement'];
    if (asset.id !== id) throw WaybillError.invalidArgument(`${name} holds asset '${asset.id}'`);
    return { kind, index, id, asset, endorsement, provenance };
  }
  if (kind === 'recall') {
    const recall = expectObject(obj['recall'], `${path}.record.recall`) as unknown as RecallRecord;
    if (recall.docType !== 'waybill.recall' || recall.recallId !== id) throw WaybillError.invalidArgument(`${name} does not hold recall '${id}'`);
    return { kind, index, id, recall, provenance };
  }
  throw WaybillError.invalidArgument(`${name} has an unknown kind`);
}

async function importAsset(tx: TxContext, root: string, record: ParsedAsset): Promise<void> {
  await tx.assets.assertAbsent(record.id);
  const { orgs, n } = record.endorsement;
  if (!Array.isArray(orgs) || orgs.length === 0 || !orgs.every((o) => typeof o === 'string' && RE.MSP_ID.test(o))) {
    throw WaybillError.invalidArgument(`${describeRecord(record.index, 'asset', record.id)} has a malformed endorsement policy`);
  }
  let policy: Uint8Array;
  if (n === orgs.length) policy = holdersPolicy(orgs);
  else if (n === majorityOf(orgs.length)) policy = majorityPolicy(orgs);
  else throw WaybillError.invalidArgument(`${describeRecord(record.index, 'asset', record.id)} has a policy of ${n} of ${orgs.length} organisations`);
  await tx.assets.restore(record.asset, policy);
  const provenance: ImportProvenance = {
    docType: 'waybill.migration.provenance',
    assetId: record.id,
    root,
    index: record.index,
    source: record.provenance,
    importedAt: tx.now,
    importedTxId: tx.txId,
  };
  await tx.stub.putState(migrationProvenanceKey(tx.stub, record.id), Buffer.from(canonicalJson(provenance), 'utf8'));
}

async function importRecall(tx: TxContext, record: ParsedRecall): Promise<void> {
  const key = recallKey(tx.stub, record.id);
  const existing = await tx.stub.getState(key);
  if (existing !== undefined && existing.length > 0) {
    throw WaybillError.conflict(`${describeRecord(record.index, 'recall', record.id)}: recall '${record.id}' already exists`);
  }
  await tx.stub.putState(key, Buffer.from(canonicalJson(record.recall), 'utf8'));
}

/**
 * Where an imported asset came from on the source network.
 *
 * @throws `INVALID_ARGUMENT`, `ASSET_NOT_FOUND` (no such imported asset).
 */
export async function getImportProvenance(tx: TxContext, assetIdArg: string): Promise<ImportProvenance> {
  void tx.caller;
  const assetId = expectPattern(assetIdArg, 'assetId', RE.ID);
  const bytes = await tx.stub.getState(migrationProvenanceKey(tx.stub, assetId));
  if (bytes === undefined || bytes.length === 0) {
    throw WaybillError.assetNotFound(assetId);
  }
  return JSON.parse(Buffer.from(bytes).toString('utf8')) as ImportProvenance;
}

function requireAdmin(tx: TxContext, action: string): { mspId: string } {
  const caller = tx.caller;
  if (caller.role !== ROLES.ADMIN) {
    throw WaybillError.forbidden(`role '${caller.role}' may not ${action}; requires role ${ROLES.ADMIN}`);
  }
  return caller;
}
