import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { blockHeaderHash } from './block-hash';
import { compareWorldStates } from './equality';
import { exportLedger, readTrailer } from './export-file';
import { attestExport, importExport } from './import';
import { syntheticReader, syntheticTarget } from './synthetic';
import { verifyExport } from './verify';

const OPTS = { pageSize: 7, concurrency: 3 } as const;
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'waybill-migrate-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('block header hash', () => {
  it('is SHA-256 of the DER SEQUENCE {INTEGER number, OCTET STRING previous hash, OCTET STRING data hash}', () => {
    const prev = Buffer.alloc(32, 1);
    const data = Buffer.alloc(32, 2);
    const der = (n: number[]): Buffer => Buffer.concat([Buffer.from([0x30, 2 + n.length + 68, 0x02, n.length, ...n, 0x04, 32]), prev, Buffer.from([0x04, 32]), data]);
    const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
    expect(blockHeaderHash(0n, prev, data)).toBe(sha(der([0])));
    expect(blockHeaderHash(5n, prev, data)).toBe(sha(der([5])));
    // High bit set: a leading zero keeps the INTEGER positive (as Go's encoding/asn1 writes it).
    expect(blockHeaderHash(200n, prev, data)).toBe(sha(der([0, 200])));
    expect(blockHeaderHash(256n, prev, data)).toBe(sha(der([1, 0])));
    expect(() => blockHeaderHash(-1n, prev, data)).toThrow(RangeError);
  });
});

describe('export → verify → import over a synthetic ledger', () => {
  it('exports canonical records with provenance and a root; verifies; imports in batches; resumes', async () => {
    const file = path.join(dir, 'x.ndjson');
    const summary = await exportLedger(syntheticReader(40), { file, ...OPTS });
    expect(summary).toMatchObject({ recordCount: 41, counts: { asset: 40, recall: 1 }, resumed: false });
    const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
    expect(lines).toHaveLength(43);
    expect(JSON.parse(lines[1] as string)).toMatchObject({ kind: 'asset', index: 0, id: 'A-0000000', endorsement: { orgs: ['CarrierMSP', 'ManufacturerMSP'], n: 2 }, provenance: { channel: 'supplychain' } });
    expect((await readTrailer(file)).root).toBe(summary.root);

    const report = await verifyExport(syntheticReader(40), file, OPTS);
    expect(report).toMatchObject({ ok: true, recordCount: 41, ledgerRecordCount: 41, root: summary.root, fileRoot: summary.root, ledgerRoot: summary.root, exportSha256: summary.exportSha256 });

    const target = syntheticTarget(41, ['CarrierMSP', 'ManufacturerMSP', 'RetailerMSP']);
    const imported = await importExport(target, file, { batchSize: 10, maxBatchChars: 1_000_000 });
    expect(imported).toMatchObject({ root: summary.root, importedBefore: 0, importedNow: 41, batches: 5, progress: { complete: true } });
  });

  it('resumes an interrupted export to the same file and root', async () => {
    const whole = await exportLedger(syntheticReader(30), { file: path.join(dir, 'a.ndjson'), ...OPTS });
    const file = path.join(dir, 'b.ndjson');
    await expect(exportLedger(syntheticReader(30), { file, ...OPTS, stopAfterPages: 2 })).rejects.toThrow('export stopped after 2 pages');
    // A page cut short after the checkpoint is dropped on resume.
    writeFileSync(`${file}.partial`, '{"half a line', { flag: 'a' });
    const resumed = await exportLedger(syntheticReader(30), { file, ...OPTS });
    expect(resumed).toMatchObject({ resumed: true, recordCount: whole.recordCount, root: whole.root });
    const body = (f: string): string[] => readFileSync(f, 'utf8').trimEnd().split('\n').slice(1, -1);
    expect(body(file)).toEqual(body(path.join(dir, 'a.ndjson')));
  });

  it('verify names a changed, a dropped and an added record, and a ledger that moved on', async () => {
    const file = path.join(dir, 'x.ndjson');
    await exportLedger(syntheticReader(20), { file, ...OPTS });
    const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
    const changed = JSON.parse(lines[4] as string) as { asset: { owner: string } };
    changed.asset.owner = 'RetailerMSP';
    const { default: canonicalize } = await import('canonicalize');
    lines[4] = canonicalize(changed) as string;
    const added = JSON.parse(lines[8] as string) as { id: string; asset: { id: string } };
    added.id = `${added.id}x`;
    added.asset.id = added.id;
    lines.splice(9, 0, canonicalize(added) as string);
    lines.splice(12, 1);
    const tampered = path.join(dir, 't.ndjson');
    writeFileSync(tampered, `${lines.join('\n')}\n`);
    const report = await verifyExport(syntheticReader(20), tampered, OPTS);
    expect(report.ok).toBe(false);
    expect(report.problems).toEqual(
      expect.arrayContaining([
        "record #3 (asset 'A-0000003') differs from the ledger in asset.owner (changed)",
        "record #7 (asset 'A-0000007x') is in the export but not on the ledger (added)",
        "asset 'A-0000010' is on the ledger but missing from the export (dropped before record #11 (asset 'A-0000011'))",
      ]),
    );
    // The untouched file against a ledger whose asset 5 changed since.
    const moved = await verifyExport(syntheticReader(20, (a) => (a.id === 'A-0000005' ? { ...a, status: 'ON_HOLD' } : a)), file, OPTS);
    expect(moved.problems[0]).toBe("record #5 (asset 'A-0000005') differs from the ledger in asset.status, history.0.asset.status (changed)");
    expect(moved.problems).toContain(`the trailer's root ${moved.root} is not the root of the ledger's records ${moved.ledgerRoot}`);
    await expect(attestExport(syntheticTarget(21, []), moved)).rejects.toThrow(/refusing to attest: the export did not verify \(record #5/);
  });

  it('import refuses a file whose records do not make its stated root, and a root without a majority', async () => {
    const file = path.join(dir, 'x.ndjson');
    await exportLedger(syntheticReader(5), { file, ...OPTS });
    await expect(importExport(syntheticTarget(6, ['CarrierMSP']), file, { batchSize: 50, maxBatchChars: 1_000_000 })).rejects.toThrow(
      /is attested by 1 organisation\(s\) \(CarrierMSP\); 3 must verify and attest it first/,
    );
    const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
    lines.splice(2, 1);
    const dropped = path.join(dir, 'd.ndjson');
    writeFileSync(dropped, `${lines.join('\n')}\n`);
    await expect(importExport(syntheticTarget(6, ['A', 'B', 'C']), dropped, { batchSize: 50, maxBatchChars: 1_000_000 })).rejects.toThrow(/its 5 records make root [0-9a-f]{64}, its trailer states [0-9a-f]{64} for 6: not the attested export/);
  });

  it('compares two world states per record hash', async () => {
    const same = await compareWorldStates(syntheticReader(12), syntheticReader(12), 5);
    expect(same).toMatchObject({ equal: true, asset: { source: 12, target: 12, equal: 12 }, recall: { equal: 1 } });
    const other = await compareWorldStates(syntheticReader(12), syntheticReader(13, (a) => (a.id === 'A-0000002' ? { ...a, owner: 'RetailerMSP' } : a)), 5);
    expect(other).toMatchObject({ equal: false, asset: { source: 12, target: 13, equal: 11, different: ['A-0000002'], missing: [], extra: ['A-0000012'] } });
  });
});
