// `waybill migrate` from the AMB-shaped network (Fabric 2.2 peers without a Gateway service,
// member-ID MSPs): the CLI reads each organisation's own peer by signed proposals, as the Fabric 2.2
// SDKs do; export, verify (a changed record named), attest by a majority and import into a fresh
// Fabric 2.5 network of the same members (network/topology.amb-successor.yaml), equal per record.
// Runs under test/jest.amb.config.js only; the larger ledger, the refusals by the contract and the
// gateway switch are test/network/migration.e2e.ts (standard source).
import { readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import type { MigrationRecord } from '../../chaincode/src/migration';
import { canonicalJson } from '../../chaincode/src/domain/canonical-json';
import { LocalNetwork } from '../../infra/src/local/network';
import { resolveNetwork } from '../../infra/src/local/context';
import { proposalReader, readExport } from '../../infra/src/migrate';
import { assetBody, call, committed } from '../support/api';
import { env, runWaybill, uniqueId } from '../support/fabric';
import { until } from '../support/gateway-process';
import { MSP } from '../support/orgs';

jest.setTimeout(5 * 60_000);

const work = `${env.dir}-migration-amb`;
const exportFile = path.join(work, 'export.ndjson');
const targetDir = `${env.dir}-migration-target`;
// The target's ports: WAYBILL_E2E_TARGET_BASE_PORT, or 2500 above the source's.
const targetBase = process.env.WAYBILL_E2E_TARGET_BASE_PORT ?? String(Number(env.basePort) + 2500);
const cliTarget = ['--target-dir', targetDir, '--target-base-port', targetBase];

describe('waybill migrate from the AMB-shaped network (Fabric 2.2 peers, no Gateway service)', () => {
  const tag = uniqueId('MIGAMB');
  const ids = Array.from({ length: 6 }, (_, i) => `${tag}-${i}`);
  let targetUp = false;
  let root = '';
  let recallId = '';

  beforeAll(() => {
    expect(env.profile).toBe('amb');
    rmSync(work, { recursive: true, force: true });
    mkdirSync(work, { recursive: true });
  });

  afterAll(async () => {
    if (targetUp) {
      const down = await runWaybill(['stack', 'down'], { dir: targetDir, basePort: targetBase });
      expect(down.code).toBe(0);
    }
    rmSync(targetDir, { recursive: true, force: true });
  });

  it('seeds a few lots through the gateway APIs (one recalled, one handed over to the carrier)', async () => {
    for (const id of ids) committed(await call('manufacturer', 'POST', '/v1/assets', { as: 'manufacturer-user1', body: assetBody(id) }), 201);
    recallId = committed<{ recallId: string }>(
      await call('manufacturer', 'POST', `/v1/assets/${ids[5] ?? ''}/recall`, { as: 'manufacturer-user1', body: { reason: 'label error' } }),
    ).result.recallId;
    committed(await call('manufacturer', 'POST', `/v1/assets/${ids[0] ?? ''}/handover`, { as: 'manufacturer-user1', body: { toOrg: MSP.C } }));
    const last = committed(await call('carrier', 'POST', `/v1/assets/${ids[0] ?? ''}/handover/accept`, { as: 'carrier-user1' }));
    // The carrier's gateway (2.2 adapter) identified its network by its genesis block and reads it.
    await until('the carrier gateway to store the handover block', async () => {
      const s = await call<{ eventsBlock: number | null }>('carrier', 'GET', '/v1/read-model', { as: 'carrier-admin1' });
      return s.status === 200 && (s.body.eventsBlock ?? -1) >= last.blockNumber ? true : undefined;
    });
  });

  it('the Gateway reader cannot read 2.2 peers; export chooses the 2.2 path by the profile', async () => {
    const viaGateway = await runWaybill(['migrate', 'export', '--org', 'Manufacturer', '--source-sdk', 'gateway', '--out', path.join(work, 'gateway.ndjson')]);
    expect(viaGateway.code).not.toBe(0);

    const r = await runWaybill(['migrate', 'export', '--org', 'Manufacturer', '--out', exportFile]);
    expect([r.code, r.stderr.slice(-500)]).toEqual([0, expect.any(String)]);
    const summary = JSON.parse(r.stdout) as { recordCount: number; root: string; counts: { asset: number } };
    root = summary.root;
    expect(summary.counts.asset).toBeGreaterThanOrEqual(ids.length);
    const records: MigrationRecord[] = [];
    for await (const l of readExport(exportFile)) if (l.kind === 'record') records.push(l.value);
    const moved = records.find((x) => x.id === ids[0]);
    expect(moved).toMatchObject({ kind: 'asset', asset: { status: 'IN_TRANSIT', owner: MSP.M, custodian: MSP.C }, provenance: { channel: 'supplychain' } });
    expect(moved?.provenance.blockHash).toMatch(/^[0-9a-f]{64}$/);
    expect(records.filter((x) => ids.includes(x.id))).toHaveLength(ids.length);
    // The 2.2 build of the contract names each recall's last write from its 2.2 peer's history
    // database; on a ledger never migrated into, that is the recall's own updatedTxId.
    const recall = records.find((x): x is Extract<MigrationRecord, { kind: 'recall' }> => x.kind === 'recall' && x.id === recallId);
    expect(recall).toMatchObject({ recall: { rootAssetId: ids[5] }, provenance: { channel: 'supplychain', txId: recall?.recall.updatedTxId } });
    const reader = proposalReader(new LocalNetwork(resolveNetwork({ dir: env.dir, basePort: Number(env.basePort) }), () => undefined), 'Carrier');
    try {
      let bookmark = '';
      do {
        const page = await reader.value.exportRecalls(100, bookmark);
        expect(page.lastTxIds).toEqual(page.records.map((x) => x.updatedTxId));
        bookmark = page.bookmark;
      } while (bookmark !== '');
    } finally {
      reader.close();
    }
  });

  it("each organisation verifies against its own 2.2 peer; a changed record is named", async () => {
    for (const org of ['Carrier', 'Retailer']) {
      const v = await runWaybill(['migrate', 'verify', '--org', org, '--export', exportFile]);
      expect([org, v.code, v.stderr.slice(-500)]).toEqual([org, 0, expect.any(String)]);
      expect(JSON.parse(v.stdout)).toMatchObject({ ok: true });
    }
    const lines = readFileSync(exportFile, 'utf8').trimEnd().split('\n');
    const at = lines.findIndex((l) => l.includes(`"id":"${ids[1] ?? ''}"`) && l.includes('"kind":"asset"'));
    const record = JSON.parse(lines[at] ?? '') as Extract<MigrationRecord, { kind: 'asset' }>;
    lines[at] = canonicalJson({ ...record, asset: { ...record.asset, custodian: MSP.R } });
    const tampered = path.join(work, 'tampered.ndjson');
    writeFileSync(tampered, `${lines.join('\n')}\n`);
    const v = await runWaybill(['migrate', 'verify', '--org', 'Authority', '--export', tampered]);
    expect(v.code).not.toBe(0);
    expect(v.stderr).toContain(`record #${at - 1} (asset '${ids[1] ?? ''}') differs from the ledger in asset.custodian (changed)`);
  });

  it('attested by a majority, imported into a fresh Fabric 2.5 network of the same members, equal per record', async () => {
    targetUp = true;
    const successor = path.join(env.root, 'network', 'topology.amb-successor.yaml');
    for (const args of [['network', 'clean'], ['network', 'up', '--topology', successor], ['chaincode', 'deploy', '--mode', 'ccaas']]) {
      const r = await runWaybill(args, { dir: targetDir, basePort: targetBase, timeoutMs: 10 * 60_000 });
      expect([args.join(' '), r.code, r.stderr.slice(-800)]).toEqual([args.join(' '), 0, expect.any(String)]);
    }
    for (const org of ['Manufacturer', 'Carrier', 'Retailer']) {
      const a = await runWaybill(['migrate', 'attest', '--org', org, '--export', exportFile, ...cliTarget]);
      expect([org, a.code, a.stderr.slice(-500)]).toEqual([org, 0, expect.any(String)]);
      expect(JSON.parse(a.stdout)).toMatchObject({ root });
    }
    const i = await runWaybill(['migrate', 'import', '--org', 'Carrier', '--export', exportFile, ...cliTarget]);
    expect([i.code, i.stderr.slice(-500)]).toEqual([0, expect.any(String)]);
    const s = await runWaybill(['migrate', 'status', '--org', 'Authority', '--export', exportFile, ...cliTarget]);
    expect([s.code, s.stderr.slice(-500)]).toEqual([0, expect.any(String)]);
    const status = JSON.parse(s.stdout) as { complete: boolean; left: number; equality: { equal: boolean; asset: { equal: number; source: number } } };
    expect(status).toMatchObject({ complete: true, left: 0, equality: { equal: true } });
    expect(status.equality.asset.equal).toBe(status.equality.asset.source);
  });
});
