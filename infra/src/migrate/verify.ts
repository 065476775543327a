import { StreamingRoot, describeRecord, leafHash, type MigrationRecord } from '@waybill/chaincode/migration';
import { fileSha256, readExport, type ExportHeader, type ExportTrailer } from './export-file';
import { canonical, compareRecords, ledgerRecords, type PageOptions } from './records';
import type { LedgerReader } from './reader';

/** Outcome of {@link verifyExport}. */
export interface VerifyReport {
  readonly ok: boolean;
  /** Organisation whose peer was read. */
  readonly verifiedBy: string;
  readonly channel: string;
  readonly recordCount: number;
  readonly ledgerRecordCount: number;
  /** Root the trailer states, and the roots recomputed from the file and from the ledger. */
  readonly root: string;
  readonly fileRoot: string;
  readonly ledgerRoot: string;
  readonly exportSha256: string;
  /** Every problem found, each naming the record (at most `MAX_PROBLEMS`; `problemCount` counts all). */
  readonly problems: readonly string[];
  readonly problemCount: number;
}

const MAX_PROBLEMS = 100;

/**
 * Checks an export against the ledger as the reader's own peer holds it, trusting nothing in the
 * file: every record is read again (value, key-level policy, history, provenance) and compared;
 * records only in the file (added), only on the ledger (dropped) or different (changed) are
 * named; record lines must be canonical and in order; the count and root in the trailer must be
 * those of the file, and those of the ledger. Streams both sides: memory holds one page.
 */
export async function verifyExport(reader: LedgerReader, file: string, options: Readonly<PageOptions>): Promise<VerifyReport> {
  const problems: string[] = [];
  let problemCount = 0;
  const problem = (text: string): void => {
    problemCount += 1;
    if (problems.length < MAX_PROBLEMS) problems.push(text);
  };
  const fileTree = new StreamingRoot();
  const ledgerTree = new StreamingRoot();
  const ledger = ledgerRecords(reader, options);
  const nextLedger = async (): Promise<MigrationRecord | undefined> => {
    const next = await ledger.next();
    if (next.done === true) return undefined;
    ledgerTree.append(leafHash(canonical(next.value)));
    return next.value;
  };
  let header: ExportHeader | undefined;
  let trailer: ExportTrailer | undefined;
  let recordCount = 0;
  let onLedger = await nextLedger();
  for await (const l of readExport(file)) {
    if (l.kind === 'header') {
      header = l.value;
      if (header.channel !== reader.channel) problem(`the export is of channel ${header.channel}, the ledger read is ${reader.channel}`);
      continue;
    }
    if (l.kind === 'trailer') {
      trailer = l.value;
      continue;
    }
    recordCount += 1;
    fileTree.append(leafHash(l.line));
    const record = l.value;
    const name = describeRecord(typeof record.index === 'number' ? record.index : l.position, String(record.kind), String(record.id));
    if (canonical(record) !== l.line) problem(`${name} is not in canonical JSON (RFC 8785)`);
    if (record.index !== l.position) problem(`${name} is at position ${l.position} of the export`);
    while (onLedger !== undefined && compareRecords(onLedger, record) < 0) {
      problem(`${onLedger.kind} '${onLedger.id}' is on the ledger but missing from the export (dropped before ${name})`);
      onLedger = await nextLedger();
    }
    if (onLedger === undefined || compareRecords(onLedger, record) > 0) {
      problem(`${name} is in the export but not on the ledger (added)`);
      continue;
    }
    const fields = differences({ ...record, index: 0 }, { ...onLedger, index: 0 });
    if (fields.length > 0) problem(`${name} differs from the ledger in ${fields.join(', ')} (changed)`);
    onLedger = await nextLedger();
  }
  while (onLedger !== undefined) {
    problem(`${onLedger.kind} '${onLedger.id}' is on the ledger but missing from the export (dropped at the end)`);
    onLedger = await nextLedger();
  }
  const fileRoot = fileTree.root().toString('hex');
  const ledgerRoot = ledgerTree.root().toString('hex');
  const t = trailer as ExportTrailer;
  if (t.recordCount !== recordCount) problem(`the trailer counts ${t.recordCount} records, the file holds ${recordCount}`);
  if (t.recordCount !== ledgerTree.size) problem(`the trailer counts ${t.recordCount} records, the ledger holds ${ledgerTree.size}`);
  if (t.root !== fileRoot) problem(`the trailer's root ${t.root} is not the root of the file's records ${fileRoot}`);
  if (t.root !== ledgerRoot) problem(`the trailer's root ${t.root} is not the root of the ledger's records ${ledgerRoot}`);
  return {
    ok: problemCount === 0,
    verifiedBy: reader.mspId,
    channel: reader.channel,
    recordCount,
    ledgerRecordCount: ledgerTree.size,
    root: t.root,
    fileRoot,
    ledgerRoot,
    exportSha256: await fileSha256(file),
    problems,
    problemCount,
  };
}

/** Paths of the fields where two JSON values differ (at most five). */
export function differences(a: unknown, b: unknown, path = '', out: string[] = []): string[] {
  if (out.length >= 5) return out;
  if (typeof a === 'object' && a !== null && typeof b === 'object' && b !== null && Array.isArray(a) === Array.isArray(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    for (const key of keys) {
      differences((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key], path === '' ? key : `${path}.${key}`, out);
    }
    return out;
  }
  if (canonical(a ?? null) !== canonical(b ?? null)) out.push(path === '' ? '(the value)' : path);
  return out;
}
