import { gunzipSync } from 'node:zlib';

/** One entry of a tar archive, as the header describes it. */
export interface TarEntry {
  readonly name: string;
  /** `file`, `directory`, `symlink` or `other:<typeflag>`. */
  readonly type: string;
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  readonly mtime: number;
  readonly content: Buffer;
}

const BLOCK = 512;

function field(header: Buffer, offset: number, length: number): string {
  const raw = header.subarray(offset, offset + length);
  const end = raw.indexOf(0);
  return raw.subarray(0, end === -1 ? length : end).toString('utf8');
}

function octal(header: Buffer, offset: number, length: number): number {
  const text = field(header, offset, length).trim();
  return text === '' ? 0 : Number.parseInt(text, 8);
}

function typeOf(flag: string): string {
  if (flag === '0' || flag === '') return 'file';
  if (flag === '5') return 'directory';
  if (flag === '2') return 'symlink';
  return `other:${flag}`;
}

/**
 * Reads a (gzipped) tar archive without the `tar` program, so that tests can assert exactly what
 * the peer will see: names, entry types, owners, times and contents. GNU long names ('L') are
 * applied to the entry that follows them.
 */
export function readTar(archive: Buffer): TarEntry[] {
  const data = archive[0] === 0x1f && archive[1] === 0x8b ? gunzipSync(archive) : archive;
  const entries: TarEntry[] = [];
  let offset = 0;
  let longName: string | undefined;
  while (offset + BLOCK <= data.length) {
    const header = data.subarray(offset, offset + BLOCK);
    if (header.every((b) => b === 0)) break;
    const size = octal(header, 124, 12);
    const flag = field(header, 156, 1);
    const content = data.subarray(offset + BLOCK, offset + BLOCK + size);
    offset += BLOCK + Math.ceil(size / BLOCK) * BLOCK;
    if (flag === 'L') {
      longName = content.toString('utf8').replace(/\0+$/, '');
      continue;
    }
    const prefix = field(header, 345, 155);
    const shortName = field(header, 0, 100);
    entries.push({
      name: longName ?? (prefix ? `${prefix}/${shortName}` : shortName),
      type: typeOf(flag),
      mode: octal(header, 100, 8),
      uid: octal(header, 108, 8),
      gid: octal(header, 116, 8),
      mtime: octal(header, 136, 12),
      content: Buffer.from(content),
    });
    longName = undefined;
  }
  return entries;
}

/** The content of one entry as text; throws naming the entries present when it is missing. */
export function entryText(entries: readonly TarEntry[], name: string): string {
  const entry = entries.find((e) => e.name === name);
  if (!entry) throw new Error(`no entry ${name} in archive (has ${entries.map((e) => e.name).join(', ')})`);
  return entry.content.toString('utf8');
}
