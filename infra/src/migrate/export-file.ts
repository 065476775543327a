import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import { StringDecoder } from 'node:string_decoder';
import { createReadStream, existsSync, openSync, closeSync, fsyncSync, ftruncateSync, readFileSync, renameSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { MIGRATION_FORMAT, StreamingRoot, leafHash, type MigrationRecord, type StreamingRootState } from '@waybill/chaincode/migration';
import { CliError } from '../common/errors';
import { canonical, ledgerPages, START, type Cursor, type PageOptions } from './records';
import type { LedgerReader } from './reader';

/**
 * The export file: NDJSON, one canonical JSON value per line.
 * - line 1, the header: format, channel, who exported, how records are canonicalised and hashed;
 * - one line per record (assets by id, then recalls by id), `index` = its position from 0;
 * - last line, the trailer: record count per kind and the RFC 9162 Merkle root over the record
 *   lines (leaf = the line's UTF-8 bytes).
 */
export interface ExportHeader {
  readonly type: 'header';
  readonly format: typeof MIGRATION_FORMAT;
  readonly channel: string;
  readonly exportedBy: string;
  readonly startedAt: string;
  readonly canonicalization: 'RFC 8785 (JCS)';
  readonly merkleTree: 'RFC 9162 SHA-256; leaf = the record line (UTF-8, no newline)';
  readonly recordKinds: readonly string[];
  readonly privateData: 'not exported: sale terms stay with their parties';
}

/** The last line. */
export interface ExportTrailer {
  readonly type: 'trailer';
  readonly recordCount: number;
  readonly counts: Readonly<Record<string, number>>;
  readonly root: string;
  readonly finishedAt: string;
}

/** What an export wrote. */
export interface ExportSummary {
  readonly file: string;
  readonly recordCount: number;
  readonly counts: Readonly<Record<string, number>>;
  readonly root: string;
  readonly exportSha256: string;
  /** Whether it continued an interrupted export. */
  readonly resumed: boolean;
}

interface Checkpoint {
  readonly cursor: Cursor;
  readonly bytes: number;
  readonly recordCount: number;
  readonly counts: Record<string, number>;
  readonly tree: StreamingRootState;
  readonly channel: string;
}

/** Options of {@link exportLedger}. */
export interface ExportOptions extends PageOptions {
  readonly file: string;
  readonly progress?: (message: string) => void;
  /** For tests: stop (throw) after this many pages, as a crash would. */
  readonly stopAfterPages?: number;
}

/**
 * Exports the ledger into `file`, streaming: one page in memory, the Merkle root kept as its
 * O(log n) right edge. Writes `file.partial` and, after every page, `file.checkpoint` (cursor,
 * bytes written, tree state); run again after an interruption and it continues from the
 * checkpoint. The finished file appears only when complete.
 */
export async function exportLedger(reader: LedgerReader, options: Readonly<ExportOptions>): Promise<ExportSummary> {
  const partial = `${options.file}.partial`;
  const checkpointFile = `${options.file}.checkpoint`;
  let checkpoint: Checkpoint | undefined;
  if (existsSync(checkpointFile) && existsSync(partial)) {
    checkpoint = JSON.parse(readFileSync(checkpointFile, 'utf8')) as Checkpoint;
    if (checkpoint.channel !== reader.channel) {
      throw new CliError(`${checkpointFile} belongs to an export of channel ${checkpoint.channel}; remove it to start over`);
    }
  }
  const tree = new StreamingRoot(checkpoint?.tree);
  const counts: Record<string, number> = checkpoint?.counts ?? { asset: 0, recall: 0 };
  let recordCount = checkpoint?.recordCount ?? 0;
  let bytes = checkpoint?.bytes ?? 0;
  const fd = openSync(partial, checkpoint === undefined ? 'w' : 'r+', 0o600);
  try {
    if (checkpoint === undefined) {
      const header: ExportHeader = {
        type: 'header',
        format: MIGRATION_FORMAT,
        channel: reader.channel,
        exportedBy: reader.mspId,
        startedAt: new Date().toISOString(),
        canonicalization: 'RFC 8785 (JCS)',
        merkleTree: 'RFC 9162 SHA-256; leaf = the record line (UTF-8, no newline)',
        recordKinds: ['asset', 'recall'],
        privateData: 'not exported: sale terms stay with their parties',
      };
      bytes += writeSync(fd, `${canonical(header)}\n`, bytes);
    } else {
      // Drop whatever was written after the last checkpoint (a page cut short).
      ftruncateSync(fd, checkpoint.bytes);
      options.progress?.(`resuming the export at record #${recordCount}`);
    }
    let pages = 0;
    for await (const page of ledgerPages(reader, checkpoint?.cursor ?? START, options)) {
      let chunk = '';
      for (const unindexed of page.records) {
        const line = canonical({ ...unindexed, index: recordCount });
        tree.append(leafHash(line));
        chunk += `${line}\n`;
        recordCount += 1;
        counts[unindexed.kind] = (counts[unindexed.kind] ?? 0) + 1;
      }
      bytes += writeSync(fd, chunk, bytes);
      fsyncSync(fd);
      const next: Checkpoint = { cursor: page.next, bytes, recordCount, counts, tree: tree.state(), channel: reader.channel };
      writeFileSync(`${checkpointFile}.tmp`, JSON.stringify(next));
      renameSync(`${checkpointFile}.tmp`, checkpointFile);
      pages += 1;
      if (options.stopAfterPages !== undefined && pages >= options.stopAfterPages) {
        throw new CliError(`export stopped after ${pages} pages (as asked); run it again to resume`);
      }
    }
    const trailer: ExportTrailer = { type: 'trailer', recordCount, counts, root: tree.root().toString('hex'), finishedAt: new Date().toISOString() };
    bytes += writeSync(fd, `${canonical(trailer)}\n`, bytes);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(partial, options.file);
  rmSync(checkpointFile, { force: true });
  const trailer = await readTrailer(options.file);
  return { file: options.file, recordCount, counts, root: trailer.root, exportSha256: await fileSha256(options.file), resumed: checkpoint !== undefined };
}

/** Hex SHA-256 of a file, streamed. */
export async function fileSha256(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** One line of an export file as read back. */
export type ExportLine =
  | { readonly kind: 'header'; readonly line: string; readonly value: ExportHeader }
  | { readonly kind: 'record'; readonly line: string; readonly value: MigrationRecord; readonly position: number }
  | { readonly kind: 'trailer'; readonly line: string; readonly value: ExportTrailer };

/**
 * The lines of an export file, streamed and classified.
 *
 * @throws CliError when a line is not JSON, or the header or trailer is missing.
 */
export async function* readExport(file: string): AsyncGenerator<ExportLine> {
  if (!existsSync(file) || !statSync(file).isFile()) throw new CliError(`no export file ${file}`);
  let lineNo = 0;
  let position = 0;
  let trailer = false;
  for await (const line of lines(file)) {
    lineNo += 1;
    if (line === '') continue;
    let value: Record<string, unknown>;
    try {
      value = JSON.parse(line) as Record<string, unknown>;
    } catch {
      throw new CliError(`${file}:${lineNo} is not JSON`);
    }
    if (trailer) throw new CliError(`${file}:${lineNo}: data after the trailer`);
    if (lineNo === 1) {
      if (value['type'] !== 'header' || value['format'] !== MIGRATION_FORMAT) throw new CliError(`${file} is not a ${MIGRATION_FORMAT} export (no header)`);
      yield { kind: 'header', line, value: value as unknown as ExportHeader };
    } else if (value['type'] === 'trailer') {
      trailer = true;
      yield { kind: 'trailer', line, value: value as unknown as ExportTrailer };
    } else {
      yield { kind: 'record', line, value: value as unknown as MigrationRecord, position: position++ };
    }
  }
  if (!trailer) throw new CliError(`${file} has no trailer: an unfinished export?`);
}

/**
 * The file's lines, pulled chunk by chunk into one reused buffer: readline's async iterator keeps
 * emitting lines while the consumer awaits (a verify or an import waits on the network per
 * record), so memory would grow with the file; and a read stream allocates a new buffer per chunk,
 * which at 100k records kept ~10 MB of spent chunks alive between collections. Here only the
 * lines of the current chunk exist.
 */
async function* lines(file: string): AsyncGenerator<string> {
  const fh = await open(file, 'r');
  const buffer = Buffer.allocUnsafe(256 * 1024);
  const decoder = new StringDecoder('utf8');
  let rest = '';
  try {
    for (;;) {
      const { bytesRead } = await fh.read(buffer, 0, buffer.length, null);
      if (bytesRead === 0) break;
      const parts = (rest + decoder.write(buffer.subarray(0, bytesRead))).split('\n');
      rest = parts.pop() ?? '';
      yield* parts;
    }
    rest += decoder.end();
  } finally {
    await fh.close();
  }
  if (rest !== '') yield rest;
}

/** The trailer of an export file. */
export async function readTrailer(file: string): Promise<ExportTrailer> {
  let trailer: ExportTrailer | undefined;
  for await (const l of readExport(file)) if (l.kind === 'trailer') trailer = l.value;
  return trailer as ExportTrailer;
}
