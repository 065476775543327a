// `waybill migrate export` and `verify` from the AMB-shaped network (Fabric 2.2 peers without a
// Gateway service, member-ID MSPs): the CLI reads each organisation's own peer by signed proposals,
// as the Fabric 2.2 SDKs do. Runs under test/jest.amb.config.js only (the standard network's
// migration, with import into a fresh 2.5 network, is test/network/migration.e2e.ts).
import { readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import type { MigrationRecord } from '../../chaincode/src/migration';
import { canonicalJson } from '../../chaincode/src/domain/canonical-json';
import { readExport } from '../../infra/src/migrate';
import { assetBody, call, committed } from '../support/api';
import { env, runWaybill, uniqueId } from '../support/fabric';
import { until } from '../support/gateway-process';
import { MSP } from '../support/orgs';

jest.setTimeout(5 * 60_000);

const work = `${env.dir}-migration-amb`;
const exportFile = path.join(work, 'export.ndjson');

describe('waybill migrate from the AMB-shaped network (Fabric 2.2 peers, no Gateway service)', () => {
  const tag = uniqueId('MIGAMB');
  const ids = Array.from({ length: 6 }, (_, i) => `${tag}-${i}`);

  beforeAll(() => {
    expect(env.profile).toBe('amb');
    rmSync(work, { recursive: true, force: true });
    mkdirSync(work, { recursive: true });
  });

  it('seeds a few lots through the gateway APIs (one handed over to the carrier)', async () => {
    for (const id of ids) committed(await call('manufacturer', 'POST', '/v1/assets', { as: 'manufacturer-user1', body: assetBody(id) }), 201);
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
    expect(summary.counts.asset).toBeGreaterThanOrEqual(ids.length);
    const records: MigrationRecord[] = [];
    for await (const l of readExport(exportFile)) if (l.kind === 'record') records.push(l.value);
    const moved = records.find((x) => x.id === ids[0]);
    expect(moved).toMatchObject({ kind: 'asset', asset: { status: 'IN_TRANSIT', owner: MSP.M, custodian: MSP.C }, provenance: { channel: 'supplychain' } });
    expect(moved?.provenance.blockHash).toMatch(/^[0-9a-f]{64}$/);
    expect(records.filter((x) => ids.includes(x.id))).toHaveLength(ids.length);
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
});
