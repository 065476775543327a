import { createHash } from 'crypto';
import { MerkleLevels, StreamingRoot, emptyRoot, leafHash, nodeHash, verifyInclusion } from './merkle';

/** RFC 9162 §2.1.1 MTH, written as the RFC states it (recursive), as the reference. */
function mth(leaves: readonly Buffer[]): Buffer {
  if (leaves.length === 0) return createHash('sha256').digest();
  if (leaves.length === 1) return leaves[0] as Buffer;
  let k = 1;
  while (k * 2 < leaves.length) k *= 2;
  return nodeHash(mth(leaves.slice(0, k)), mth(leaves.slice(k)));
}

const leaves = (n: number): Buffer[] => Array.from({ length: n }, (_, i) => leafHash(`record ${i}`));

describe('RFC 9162 Merkle tree', () => {
  it('hashes leaves and nodes with distinct prefixes (a node cannot pass for a leaf)', () => {
    const a = leafHash('a');
    const b = leafHash('b');
    expect(a.equals(createHash('sha256').update(Buffer.from([0])).update('a').digest())).toBe(true);
    expect(nodeHash(a, b).equals(leafHash(Buffer.concat([a, b])))).toBe(false);
    expect(emptyRoot().toString('hex')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });

  it.each([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 13, 16, 17, 31, 33])('streaming root, levels root and reference agree for %i leaves', (n) => {
    const hashes = leaves(n);
    const streaming = new StreamingRoot();
    hashes.forEach((h) => streaming.append(h));
    const levels = new MerkleLevels(Buffer.concat(hashes));
    expect(streaming.size).toBe(n);
    expect(streaming.root().toString('hex')).toBe(mth(hashes).toString('hex'));
    expect(levels.root().toString('hex')).toBe(mth(hashes).toString('hex'));
  });

  it('resumes a streaming root from its serialised state', () => {
    const hashes = leaves(11);
    const first = new StreamingRoot();
    hashes.slice(0, 6).forEach((h) => first.append(h));
    const resumed = new StreamingRoot(JSON.parse(JSON.stringify(first.state())) as ReturnType<StreamingRoot['state']>);
    hashes.slice(6).forEach((h) => resumed.append(h));
    expect(resumed.root().equals(mth(hashes))).toBe(true);
    expect(resumed.size).toBe(11);
  });

  it.each([1, 2, 3, 5, 7, 8, 12, 21])('proves every leaf of a %i-leaf tree, and nothing else', (n) => {
    const hashes = leaves(n);
    const tree = new MerkleLevels(Buffer.concat(hashes));
    const root = tree.root();
    for (let i = 0; i < n; i += 1) {
      const proof = tree.proof(i);
      expect(tree.leaf(i).equals(hashes[i] as Buffer)).toBe(true);
      expect(verifyInclusion(hashes[i] as Buffer, i, n, proof, root)).toBe(true);
      expect(verifyInclusion(leafHash('forged'), i, n, proof, root)).toBe(false);
      if (n > 1) expect(verifyInclusion(hashes[i] as Buffer, (i + 1) % n, n, proof, root)).toBe(false);
    }
    expect(verifyInclusion(hashes[0] as Buffer, n, n, tree.proof(0), root)).toBe(false);
    expect(verifyInclusion(hashes[0] as Buffer, -1, n, [], root)).toBe(false);
    expect(() => tree.proof(n)).toThrow(RangeError);
  });

  it('refuses a proof with an extra step and leaf hashes of the wrong size', () => {
    const hashes = leaves(4);
    const tree = new MerkleLevels(Buffer.concat(hashes));
    expect(verifyInclusion(hashes[1] as Buffer, 1, 4, [...tree.proof(1), leafHash('x')], tree.root())).toBe(false);
    expect(() => new MerkleLevels(Buffer.alloc(31))).toThrow(TypeError);
    expect(new MerkleLevels(Buffer.alloc(0)).root().equals(emptyRoot())).toBe(true);
  });
});
