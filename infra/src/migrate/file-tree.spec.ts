import { createHash } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { MerkleLevels, emptyRoot, verifyInclusion } from '@waybill/chaincode/migration';
import { FileMerkleTree } from './file-tree';

const leaf = (i: number): Buffer => createHash('sha256').update(`leaf-${i}`).digest();

function build(n: number, chunk: number): FileMerkleTree {
  const t = new FileMerkleTree(chunk);
  for (let i = 0; i < n; i += 1) t.append(leaf(i));
  t.seal();
  return t;
}

describe('FileMerkleTree (an import tree kept in a scratch file)', () => {
  it.each([
    [1, 2],
    [2, 2],
    [3, 2],
    [5, 4],
    [17, 4],
    [64, 8],
    [65, 8],
    [1000, 6],
    [1025, 4096],
  ])('gives the same root and audit paths as MerkleLevels for %i leaves (chunk %i)', (n, chunk) => {
    const t = build(n, chunk);
    try {
      const mem = new MerkleLevels(Buffer.concat(Array.from({ length: n }, (_, i) => leaf(i))));
      expect(t.size).toBe(n);
      expect(t.root().toString('hex')).toBe(mem.root().toString('hex'));
      for (let i = 0; i < n; i += 1) {
        const p = t.proof(i);
        expect(p.map((h) => h.toString('hex'))).toEqual(mem.proof(i).map((h) => h.toString('hex')));
        expect(verifyInclusion(leaf(i), i, n, p, t.root())).toBe(true);
      }
    } finally {
      t.dispose();
    }
  });

  it('has the empty root with no leaves and refuses a proof out of range', () => {
    const t = build(0, 4);
    try {
      expect(t.root().equals(emptyRoot())).toBe(true);
      expect(() => t.proof(0)).toThrow('no leaf #0 in a tree of 0');
    } finally {
      t.dispose();
    }
  });

  it('refuses reads before sealing and leaves after it, and deletes its scratch file', () => {
    const before = new Set(readdirSync(tmpdir()).filter((f) => f.startsWith('waybill-import-tree-')));
    const t = new FileMerkleTree(4);
    const mine = readdirSync(tmpdir()).filter((f) => f.startsWith('waybill-import-tree-') && !before.has(f));
    expect(mine).toHaveLength(1);
    t.append(leaf(0));
    expect(() => t.root()).toThrow('seal the tree first');
    t.seal();
    expect(() => t.append(leaf(1))).toThrow('the tree is sealed');
    expect(() => t.append(Buffer.alloc(31))).toThrow();
    t.dispose();
    expect(existsSync(`${tmpdir()}/${mine[0]}`)).toBe(false);
  });
});
