import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { emptyRoot, nodeHash } from '@waybill/chaincode/migration';

const HASH = 32;

/**
 * The RFC 9162 tree over an export's leaf hashes, its levels kept in a scratch file instead of in
 * memory: an import needs every record's audit path, so it needs the whole tree (64 bytes per
 * record), and held in memory that grows with the export (6.4 MB at 100k records, 64 MB at a
 * million). Here memory is one chunk of hashes, whatever the size; an audit path is one 32-byte
 * read per level (from the page cache). Same tree as the contract's `MerkleLevels`: a level's last
 * node without a sibling moves up unchanged.
 */
export class FileMerkleTree {
  readonly #dir: string;
  readonly #fd: number;
  readonly #chunk: Buffer;
  /** Byte offset of each level in the file, and its node count; level 0 = the leaves. */
  readonly #offsets: number[] = [0];
  readonly #counts: number[] = [0];
  #pending = 0;
  #sealed = false;

  /** @param chunkHashes hashes per read or write (even; small only in tests). */
  constructor(chunkHashes = 4096) {
    if (chunkHashes < 2 || chunkHashes % 2 !== 0) throw new RangeError('chunkHashes must be even and at least 2');
    this.#dir = mkdtempSync(path.join(tmpdir(), 'waybill-import-tree-'));
    this.#fd = openSync(path.join(this.#dir, 'levels'), 'w+', 0o600);
    this.#chunk = Buffer.alloc(chunkHashes * HASH);
  }

  /** Appends the next leaf hash. */
  append(leaf: Uint8Array): void {
    if (this.#sealed) throw new Error('the tree is sealed');
    if (leaf.length !== HASH) throw new TypeError('leaf hashes must be 32 bytes');
    this.#chunk.set(leaf, this.#pending * HASH);
    this.#pending += 1;
    if (this.#pending * HASH === this.#chunk.length) this.#flushLeaves();
  }

  get size(): number {
    return this.#counts[0] as number;
  }

  /** Writes the upper levels; after this, no more leaves. */
  seal(): void {
    if (this.#sealed) return;
    this.#flushLeaves();
    this.#sealed = true;
    let level = 0;
    while ((this.#counts[level] as number) > 1) {
      const count = this.#counts[level] as number;
      const from = this.#offsets[level] as number;
      const to = from + count * HASH;
      const per = this.#chunk.length / HASH;
      let written = 0;
      for (let first = 0; first < count; first += per) {
        const n = Math.min(per, count - first);
        this.#readFully(this.#chunk, n * HASH, from + first * HASH);
        const out = Buffer.alloc(Math.ceil(n / 2) * HASH);
        for (let i = 0; i < n; i += 2) {
          const left = this.#chunk.subarray(i * HASH, i * HASH + HASH);
          const node = i + 1 < n ? nodeHash(left, this.#chunk.subarray(i * HASH + HASH, i * HASH + 2 * HASH)) : left;
          out.set(node, (i / 2) * HASH);
        }
        writeSync(this.#fd, out, 0, out.length, to + written * HASH);
        written += out.length / HASH;
      }
      this.#offsets.push(to);
      this.#counts.push(written);
      level += 1;
    }
  }

  /** The root. */
  root(): Buffer {
    this.#requireSealed();
    if (this.size === 0) return emptyRoot();
    const top = this.#offsets.length - 1;
    return this.#node(top, 0);
  }

  /** The audit path of the leaf at `index`, bottom up. */
  proof(index: number): Buffer[] {
    this.#requireSealed();
    if (!Number.isSafeInteger(index) || index < 0 || index >= this.size) throw new RangeError(`no leaf #${index} in a tree of ${this.size}`);
    const out: Buffer[] = [];
    let i = index;
    for (let level = 0; level < this.#offsets.length - 1; level += 1) {
      const sibling = i ^ 1;
      if (sibling < (this.#counts[level] as number)) out.push(this.#node(level, sibling));
      i = Math.floor(i / 2);
    }
    return out;
  }

  /** Closes and deletes the scratch file. */
  dispose(): void {
    closeSync(this.#fd);
    rmSync(this.#dir, { recursive: true, force: true });
  }

  #flushLeaves(): void {
    if (this.#pending === 0) return;
    writeSync(this.#fd, this.#chunk, 0, this.#pending * HASH, this.size * HASH);
    this.#counts[0] = this.size + this.#pending;
    this.#pending = 0;
  }

  #node(level: number, index: number): Buffer {
    const b = Buffer.alloc(HASH);
    this.#readFully(b, HASH, (this.#offsets[level] as number) + index * HASH);
    return b;
  }

  #readFully(into: Buffer, length: number, position: number): void {
    let got = 0;
    while (got < length) {
      const n = readSync(this.#fd, into, got, length - got, position + got);
      if (n === 0) throw new Error(`import tree: short read at ${position + got}`);
      got += n;
    }
  }

  #requireSealed(): void {
    if (!this.#sealed) throw new Error('seal the tree first');
  }
}
