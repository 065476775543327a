import { createHash } from 'crypto';

/**
 * The Merkle tree of a Waybill migration export: RFC 9162 (Certificate Transparency v2, §2.1),
 * the tree Fabric's own world has no equivalent of.
 *
 * Written here rather than taken from a library, because the chaincode must verify inclusion
 * proofs deterministically without bundling extra dependencies into the AMB (Node 12) package,
 * and because the exporter needs a streaming root in O(log n) memory: merkletreejs and
 * @openzeppelin/merkle-tree hold every leaf (and the latter sorts and keccak-hashes ABI-encoded
 * leaves, an Ethereum convention). RFC 9162's leaf/node prefixes (0x00/0x01) rule out
 * second-preimage tricks (a node passed off as a leaf), and its audit paths bind the leaf index
 * and the tree size, so a proof cannot be replayed for another position.
 */

const LEAF_PREFIX = Buffer.from([0]);
const NODE_PREFIX = Buffer.from([1]);

/** SHA-256 of a leaf: `SHA-256(0x00 || data)`. */
export function leafHash(data: Uint8Array | string): Buffer {
  return createHash('sha256').update(LEAF_PREFIX).update(typeof data === 'string' ? Buffer.from(data, 'utf8') : data).digest();
}

/** SHA-256 of an inner node: `SHA-256(0x01 || left || right)`. */
export function nodeHash(left: Uint8Array, right: Uint8Array): Buffer {
  return createHash('sha256').update(NODE_PREFIX).update(left).update(right).digest();
}

/** Root of the empty tree: `SHA-256()`. */
export function emptyRoot(): Buffer {
  return createHash('sha256').digest();
}

/** State of a {@link StreamingRoot}: the perfect subtrees so far, largest first (O(log n)). */
export interface StreamingRootState {
  readonly size: number;
  /** `[leaf count, hex hash]` of each perfect subtree, left to right. */
  readonly stack: readonly (readonly [number, string])[];
}

/**
 * Computes the RFC 9162 root of leaves appended one by one, keeping only the perfect subtrees
 * on the right edge: memory O(log n), state serialisable for a resumable export.
 */
export class StreamingRoot {
  #stack: [number, Buffer][];
  #size: number;

  constructor(state?: StreamingRootState) {
    this.#stack = (state?.stack ?? []).map(([n, h]) => [n, Buffer.from(h, 'hex')]);
    this.#size = state?.size ?? 0;
  }

  /** Appends the hash of the next leaf (see {@link leafHash}). */
  append(hash: Buffer): void {
    this.#stack.push([1, hash]);
    this.#size += 1;
    for (;;) {
      const right = this.#stack[this.#stack.length - 1];
      const left = this.#stack[this.#stack.length - 2];
      if (right === undefined || left === undefined || left[0] !== right[0]) break;
      this.#stack.splice(-2, 2, [left[0] * 2, nodeHash(left[1], right[1])]);
    }
  }

  get size(): number {
    return this.#size;
  }

  /** The root over the leaves appended so far. */
  root(): Buffer {
    let acc: Buffer | undefined;
    for (let i = this.#stack.length - 1; i >= 0; i -= 1) {
      const node = (this.#stack[i] as [number, Buffer])[1];
      acc = acc === undefined ? node : nodeHash(node, acc);
    }
    return acc ?? emptyRoot();
  }

  /** Serialisable state (for a checkpoint). */
  state(): StreamingRootState {
    return { size: this.#size, stack: this.#stack.map(([n, h]) => [n, h.toString('hex')] as const) };
  }
}

/**
 * Checks an RFC 9162 §2.1.3.2 inclusion proof: that `leaf` (a leaf hash) sits at `index` in the
 * tree of `size` leaves whose root is `root`.
 */
export function verifyInclusion(leaf: Uint8Array, index: number, size: number, path: readonly Uint8Array[], root: Uint8Array): boolean {
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(size) || index < 0 || index >= size) return false;
  let fn = index;
  let sn = size - 1;
  let r: Buffer = Buffer.from(leaf);
  for (const p of path) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      r = nodeHash(p, r);
      while (fn % 2 === 0 && fn !== 0) {
        fn = Math.floor(fn / 2);
        sn = Math.floor(sn / 2);
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && r.equals(Buffer.from(root));
}

/**
 * Every level of the tree over the given leaf hashes (level 0 = the leaves), each a buffer of
 * 32-byte hashes: 64 bytes per leaf in all, enough to prove any leaf. A level's last node
 * without a sibling moves up unchanged, which yields exactly RFC 9162's tree (the left subtree
 * of every node is the largest power of two).
 */
export class MerkleLevels {
  readonly #levels: Buffer[];
  readonly size: number;

  constructor(leaves: Buffer) {
    if (leaves.length % 32 !== 0) throw new TypeError('leaf hashes must be 32 bytes each');
    this.size = leaves.length / 32;
    this.#levels = [leaves];
    let level = leaves;
    while (level.length > 32) {
      const count = level.length / 32;
      const next = Buffer.alloc(Math.ceil(count / 2) * 32);
      for (let i = 0; i < count; i += 2) {
        const left = level.subarray(i * 32, i * 32 + 32);
        const node = i + 1 < count ? nodeHash(left, level.subarray(i * 32 + 32, i * 32 + 64)) : left;
        node.copy(next, (i / 2) * 32);
      }
      this.#levels.push(next);
      level = next;
    }
  }

  /** The root. */
  root(): Buffer {
    if (this.size === 0) return emptyRoot();
    return Buffer.from((this.#levels[this.#levels.length - 1] as Buffer).subarray(0, 32));
  }

  /** The leaf hash at `index`. */
  leaf(index: number): Buffer {
    return Buffer.from((this.#levels[0] as Buffer).subarray(index * 32, index * 32 + 32));
  }

  /** The audit path of the leaf at `index`, bottom up. */
  proof(index: number): Buffer[] {
    if (!Number.isSafeInteger(index) || index < 0 || index >= this.size) throw new RangeError(`no leaf #${index} in a tree of ${this.size}`);
    const path: Buffer[] = [];
    let i = index;
    for (const level of this.#levels.slice(0, -1)) {
      const sibling = i ^ 1;
      if (sibling * 32 < level.length) path.push(Buffer.from(level.subarray(sibling * 32, sibling * 32 + 32)));
      i = Math.floor(i / 2);
    }
    return path;
  }
}
