import { LIMITS, leafHash, type ImportEntry, type MigrationAttestation, type MigrationImport, type MigrationStatus } from '@waybill/chaincode/migration';
import { CliError } from '../common/errors';
import { readExport, type ExportTrailer } from './export-file';
import { FileMerkleTree } from './file-tree';
import type { VerifyReport } from './verify';

/** The target network's contract, as one organisation's admin (Gateway or 2.2 SDK). */
export interface TargetContract {
  readonly mspId: string;
  submit(name: string, args: readonly string[]): Promise<Uint8Array>;
  evaluate(name: string, args: readonly string[]): Promise<Uint8Array>;
}

const json = <T>(bytes: Uint8Array): T => JSON.parse(Buffer.from(bytes).toString('utf8')) as T;

/** Attestations and import progress of a root on the target. */
export async function migrationStatus(target: TargetContract, root: string): Promise<MigrationStatus> {
  return json<MigrationStatus>(await target.evaluate('getMigration', [root]));
}

/**
 * Submits the organisation's attestation of a verified export on the target network.
 *
 * @throws CliError when the report is not a clean verification.
 */
export async function attestExport(target: TargetContract, report: VerifyReport): Promise<MigrationAttestation> {
  if (!report.ok) throw new CliError(`refusing to attest: the export did not verify (${report.problems[0] ?? 'problems found'})`);
  if (report.verifiedBy !== target.mspId) {
    throw new CliError(`the export was verified by ${report.verifiedBy}; ${target.mspId} must verify it against its own peer before attesting`);
  }
  const status = await migrationStatus(target, report.root);
  const mine = status.attestations.find((a) => a.mspId === target.mspId);
  if (mine !== undefined) return mine;
  const input = { root: report.root, recordCount: report.recordCount, exportSha256: report.exportSha256, sourceChannel: report.channel };
  return json<MigrationAttestation>(await target.submit('attestMigration', [JSON.stringify(input)]));
}

/** Options of {@link importExport}. */
export interface ImportOptions {
  /** Records per `importRecords` transaction (at most the chaincode's `LIMITS.MAX_IMPORT_BATCH`). */
  readonly batchSize: number;
  /** Largest batch in JSON characters. */
  readonly maxBatchChars: number;
  readonly progress?: (message: string) => void;
}

/** What an import did. */
export interface ImportSummary {
  readonly root: string;
  readonly recordCount: number;
  readonly importedBefore: number;
  readonly importedNow: number;
  readonly batches: number;
  readonly progress: MigrationImport | null;
}

/**
 * Imports an export into the target network, in order, in batches, each record with its audit
 * path; resumes where the ledger's progress record says the import stands. Refuses before
 * submitting anything when the file's records do not make the root its trailer states, or when
 * a majority has not attested that root. Memory: flat — the tree's hashes (64 bytes per record)
 * go to a scratch file, and records are read one at a time.
 */
export async function importExport(target: TargetContract, file: string, options: Readonly<ImportOptions>): Promise<ImportSummary> {
  // The tree's levels in a scratch file: memory stays flat at any export size (file-tree.ts).
  const tree = new FileMerkleTree();
  try {
    return await importWithTree(target, file, options, tree);
  } finally {
    tree.dispose();
  }
}

async function importWithTree(target: TargetContract, file: string, options: Readonly<ImportOptions>, tree: FileMerkleTree): Promise<ImportSummary> {
  let trailer: ExportTrailer | undefined;
  for await (const l of readExport(file)) {
    if (l.kind === 'record') tree.append(leafHash(l.line));
    else if (l.kind === 'trailer') trailer = l.value;
  }
  const t = trailer as ExportTrailer;
  tree.seal();
  const root = tree.root().toString('hex');
  if (root !== t.root || tree.size !== t.recordCount) {
    throw new CliError(`${file}: its ${tree.size} records make root ${root}, its trailer states ${t.root} for ${t.recordCount}: not the attested export`);
  }
  const status = await migrationStatus(target, root);
  if (status.attestedBy.length < status.required) {
    throw new CliError(
      `root ${root} is attested by ${status.attestedBy.length} organisation(s) (${status.attestedBy.join(', ') || 'none'}); ${status.required} must verify and attest it first`,
    );
  }
  const importedBefore = status.import?.nextIndex ?? 0;
  let progress = status.import;
  if (progress?.complete === true) return { root, recordCount: tree.size, importedBefore, importedNow: 0, batches: 0, progress };
  const batchSize = Math.min(options.batchSize, LIMITS.MAX_IMPORT_BATCH);
  let batch: ImportEntry[] = [];
  let chars = 0;
  let batches = 0;
  let imported = importedBefore;
  const flush = async (): Promise<void> => {
    if (batch.length === 0) return;
    progress = JSON.parse(Buffer.from(await target.submit('importRecords', [root, JSON.stringify({ records: batch })])).toString('utf8')) as MigrationImport;
    batches += 1;
    imported = progress.nextIndex;
    options.progress?.(`imported ${imported}/${tree.size} records`);
    batch = [];
    chars = 0;
  };
  for await (const l of readExport(file)) {
    if (l.kind !== 'record' || l.position < importedBefore) continue;
    const entry: ImportEntry = { record: l.line, proof: tree.proof(l.position).map((h) => h.toString('hex')) };
    const size = l.line.length + entry.proof.length * 67 + 32;
    if (batch.length >= batchSize || (batch.length > 0 && chars + size > options.maxBatchChars)) await flush();
    batch.push(entry);
    chars += size;
  }
  await flush();
  return { root, recordCount: tree.size, importedBefore, importedNow: imported - importedBefore, batches, progress };
}
