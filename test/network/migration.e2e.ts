// `waybill migrate` end to end: the e2e network is the source (a few hundred assets in every status,
// splits, merges, a recall, handovers and a sale in flight); a fresh Fabric 2.5 network on other
// ports is the target. Export, verify and attest by each organisation against its own peer, import
// under a majority-attested root, equality per asset, the journey continues on the target; a
// tampered export is refused by verify and by the contract, each naming the record; the target,
// exported again (a second migration), verifies, its records' provenance its own import. A gateway of
// the Manufacturer (its own process and database) follows the source, then is pointed at the
// target: same API key, one NetworkMigrated webhook, new event IDs, the read model rebuilt.
import { readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { common, peer } from '@hyperledger/fabric-protos';
import { MerkleLevels, leafHash, type MigrationRecord } from '../../chaincode/src/migration';
import { canonicalJson } from '../../chaincode/src/domain/canonical-json';
import type { GatewaySession } from '../../infra/src/local/gateway-client';
import { connectAs as connectOn } from '../../infra/src/local/gateway-client';
import { LocalNetwork } from '../../infra/src/local/network';
import { resolveNetwork } from '../../infra/src/local/context';
import { blockRefOf, exportLedger, gatewayReader, readExport } from '../../infra/src/migrate';
import { assetBody } from '../support/api';
import { connectAs, env, runWaybill, sampleAssetInput, uniqueId } from '../support/fabric';
import { GatewayProcess, until } from '../support/gateway-process';
import { MSP, evaluate, rejection, submit, syncedSubmit } from '../support/ledger';
import { WebhookReceiver } from '../support/webhook-receiver';

jest.setTimeout(15 * 60_000);

const targetDir = `${env.dir}-migration-target`;
// The target's ports: WAYBILL_E2E_TARGET_BASE_PORT, or 2500 above the source's.
const targetBase = process.env.WAYBILL_E2E_TARGET_BASE_PORT ?? String(Number(env.basePort) + 2500);
// The switched gateway's own port, above the source's API ports.
const switchedPort = Number(env.basePort) + 1450;
const work = path.join(`${env.dir}-migration`);
const exportFile = path.join(work, 'export.ndjson');

interface Asset {
  id: string;
  status: string;
  owner: string;
  custodian: string;
  pendingHandover: { to: string } | null;
  pendingSale: { buyer: string } | null;
  children: string[];
}

/** Runs `fn` over `items` with at most `limit` in flight. */
async function pool<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) await fn(items[next++] as T);
    }),
  );
}

/** The chaincode function and arguments of transaction `txId` in a block. */
function invocationOf(blockBytes: Uint8Array, txId: string): string[] {
  for (const data of common.Block.deserializeBinary(blockBytes).getData()?.getDataList_asU8() ?? []) {
    const payload = common.Payload.deserializeBinary(common.Envelope.deserializeBinary(data).getPayload_asU8());
    const header = common.ChannelHeader.deserializeBinary(payload.getHeader()?.getChannelHeader_asU8() ?? new Uint8Array());
    if (header.getTxId() !== txId) continue;
    const action = peer.Transaction.deserializeBinary(payload.getData_asU8()).getActionsList()[0];
    const proposal = peer.ChaincodeProposalPayload.deserializeBinary(peer.ChaincodeActionPayload.deserializeBinary(action?.getPayload_asU8() ?? new Uint8Array()).getChaincodeProposalPayload_asU8());
    const args = peer.ChaincodeInvocationSpec.deserializeBinary(proposal.getInput_asU8()).getChaincodeSpec()?.getInput()?.getArgsList_asU8() ?? [];
    return args.map((a) => Buffer.from(a).toString('utf8'));
  }
  throw new Error(`transaction ${txId} is not in the block`);
}

function assertNever(): never {
  throw new Error('the target topology has no manufacturer');
}

function targetNetwork(): LocalNetwork {
  return new LocalNetwork(resolveNetwork({ dir: targetDir, basePort: Number(targetBase) }), () => undefined);
}

const cliTarget = ['--target-dir', targetDir, '--target-base-port', targetBase];

describe('waybill migrate: source network → fresh Fabric 2.5 network, with proof', () => {
  let maker: GatewaySession;
  let carrier: GatewaySession;
  let retail: GatewaySession;
  let regulator: GatewaySession;
  const tag = uniqueId('MIG');
  const ids = Array.from({ length: 220 }, (_, i) => `${tag}-${String(i).padStart(3, '0')}`);
  let root = '';
  let targetUp = false;
  const receiver = new WebhookReceiver();
  const gw = new GatewayProcess(work, switchedPort, { DATABASE_URL: path.join(work, 'gateway-manufacturer.sqlite') });
  let userKey = '';

  beforeAll(async () => {
    rmSync(work, { recursive: true, force: true });
    mkdirSync(work, { recursive: true });
    await receiver.start();
    maker = connectAs('Manufacturer', 'manufacturer-user1');
    carrier = connectAs('Carrier', 'carrier-user1');
    retail = connectAs('Retailer', 'retailer-user1');
    regulator = connectAs('Authority', 'regulator1');
  });

  afterAll(async () => {
    await gw.stop();
    await receiver.stop();
    for (const s of [maker, carrier, retail, regulator]) s?.close();
    if (targetUp) {
      const down = await runWaybill(['stack', 'down'], { dir: targetDir, basePort: targetBase });
      expect(down.code).toBe(0);
    }
    rmSync(targetDir, { recursive: true, force: true });
  });

  it('seeds the source: every status, splits, merges, a recall, handovers and a sale in flight', async () => {
    const all = [MSP.M, MSP.C, MSP.R, MSP.A];
    const synced = syncedSubmit([
      { session: maker, mspId: MSP.M },
      { session: carrier, mspId: MSP.C },
      { session: retail, mspId: MSP.R },
      { session: regulator, mspId: MSP.A },
    ]);
    await pool(ids, 24, (id) => submit(maker, 'createAsset', [sampleAssetInput(id, { product: { sku: `${tag}-SKU`, description: 'migration lot' } })]));
    const at = (i: number): string => ids[i] as string;
    // In transit (carrier took custody) and delivered (straight to the retailer).
    await pool([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], 6, async (i) => {
      await synced(maker, 'proposeHandover', [at(i), i < 6 ? MSP.C : MSP.R], { endorsers: [MSP.M] });
      await synced(i < 6 ? carrier : retail, 'acceptHandover', [at(i)], { endorsers: [MSP.M, i < 6 ? MSP.C : MSP.R, MSP.A] });
    });
    // Handovers in flight, a sale in flight.
    await pool([20, 21, 22, 23, 24], 5, (i) => synced(maker, 'proposeHandover', [at(i), MSP.C], { endorsers: [MSP.M] }));
    await synced(maker, 'proposeSale', [at(25), MSP.R], { endorsers: [MSP.M] });
    // On hold, consumed, destroyed.
    await pool([30, 31, 32], 3, (i) => synced(maker, 'putOnHold', [at(i), 'quality check'], { endorsers: [MSP.M, MSP.C, MSP.A] }));
    await pool([33, 34], 2, (i) => synced(maker, 'consumeAsset', [at(i)], { endorsers: [MSP.M, MSP.C, MSP.A] }));
    await pool([35, 36], 2, (i) => synced(maker, 'destroyAsset', [at(i)], { endorsers: [MSP.M, MSP.C, MSP.A] }));
    // Sold: a delivered lot whose title passes to the retailer... kept simple: the retailer sells a
    // lot it holds both ways (custody and title) after a sale with agreed private terms.
    const terms = JSON.stringify({ price: '10.00', currency: 'EUR', incoterms: 'DAP', nonce: 'ab'.repeat(16) });
    await synced(maker, 'proposeSale', [at(6), MSP.R], { endorsers: [MSP.M, MSP.R] });
    await synced(maker, 'agreeSaleTerms', [at(6)], { endorsers: [MSP.M], transient: { terms } });
    await synced(retail, 'agreeSaleTerms', [at(6)], { endorsers: [MSP.R], transient: { terms } });
    await synced(retail, 'acceptSale', [at(6)], { endorsers: [MSP.M, MSP.R, MSP.A] });
    await synced(retail, 'markSold', [at(6)], { endorsers: [MSP.R, MSP.M, MSP.A] });
    // Splits and merges.
    await pool([40, 41, 42, 43], 4, (i) =>
      synced(maker, 'splitAsset', [at(i), JSON.stringify({ parts: [{ id: `${at(i)}-a`, amount: 4 }, { id: `${at(i)}-b`, amount: 6 }] })], { endorsers: [MSP.M, MSP.C, MSP.A] }),
    );
    await pool([50, 52], 2, (i) =>
      synced(maker, 'mergeAssets', [JSON.stringify({ newAssetId: `${at(i)}-m`, assetIds: [at(i), at(i + 1)], attributes: {} })], { endorsers: [MSP.M, MSP.C, MSP.A] }),
    );
    // A recall down a lineage: the split parent keeps CONSUMED, its sub-lots become RECALLED.
    await synced(regulator, 'recallAsset', [at(40), 'contamination'], { endorsers: all });
    await synced(regulator, 'recallAsset', [at(60), 'label error'], { endorsers: all });
    const statuses = new Set<string>();
    for (const i of [0, 6, 7, 20, 25, 30, 33, 35, 40, 60]) statuses.add((await evaluate<Asset>(maker, 'getAsset', [at(i)])).status);
    statuses.add((await evaluate<Asset>(maker, 'getAsset', [`${at(40)}-a`])).status);
    expect([...statuses].sort()).toEqual(['CONSUMED', 'CREATED', 'DELIVERED', 'DESTROYED', 'IN_TRANSIT', 'ON_HOLD', 'RECALLED', 'SOLD']);
  });

  it("a Manufacturer gateway follows the source with its own database: an API key, a webhook of AssetCreated only", async () => {
    await gw.start();
    userKey = gw.apiKey('manufacturer-user1');
    const admin = gw.apiKey('manufacturer-admin1');
    const sub = await gw.call<{ secret: string }>(admin, 'POST', '/v1/webhooks', { url: receiver.url('/switch'), events: ['AssetCreated'] });
    expect(sub.status).toBe(201);
    receiver.secret('/switch', sub.body.secret);
    // Its reader caught up with the source (the freeze: no write after this one).
    const last = await gw.call<{ txId: string }>(userKey, 'POST', '/v1/assets', assetBody(`${tag}-before`));
    expect(last.status).toBe(201);
    await until('the source AssetCreated webhook', () => Promise.resolve(receiver.accepted('/switch').some((d) => d.event.txId === last.body.txId) ? true : undefined));
    await gw.stop();
  });

  it('brings up a fresh target network on other ports', async () => {
    targetUp = true;
    for (const args of [['network', 'clean'], ['network', 'up'], ['chaincode', 'deploy', '--mode', 'ccaas']]) {
      const r = await runWaybill(args, { dir: targetDir, basePort: targetBase, timeoutMs: 10 * 60_000 });
      expect([args.join(' '), r.code, r.stderr.slice(-800)]).toEqual([args.join(' '), 0, expect.any(String)]);
    }
  });

  it('exports through the Manufacturer: canonical records with provenance, a Merkle root; an interrupted export resumes to the same root', async () => {
    const r = await runWaybill(['migrate', 'export', '--org', 'Manufacturer', '--out', exportFile]);
    expect([r.code, r.stderr.slice(-500)]).toEqual([0, expect.any(String)]);
    const summary = JSON.parse(r.stdout) as { recordCount: number; root: string; counts: { asset: number; recall: number }; resumed: boolean };
    expect(summary.counts.asset).toBeGreaterThanOrEqual(ids.length + 10);
    expect(summary.counts.recall).toBeGreaterThanOrEqual(2);
    expect(summary.resumed).toBe(false);
    root = summary.root;

    // Interrupted after one page, resumed: the same records, the same root.
    const reader = gatewayReader(new LocalNetwork(resolveNetwork({ dir: env.dir, basePort: Number(env.basePort) }), () => undefined), 'Carrier');
    try {
      const file = path.join(work, 'resumed.ndjson');
      await expect(exportLedger(reader.value, { file, pageSize: 50, concurrency: 4, stopAfterPages: 1 })).rejects.toThrow(/stopped after 1 pages/);
      const resumed = await exportLedger(reader.value, { file, pageSize: 50, concurrency: 4 });
      expect(resumed).toMatchObject({ resumed: true, recordCount: summary.recordCount, root });
    } finally {
      reader.close();
    }

    // Provenance: the block hash is the one the next block chains to.
    const records: MigrationRecord[] = [];
    for await (const l of readExport(exportFile)) if (l.kind === 'record') records.push(l.value);
    const mine = records.find((x) => x.id === `${ids[6]}`);
    expect(mine).toMatchObject({ kind: 'asset', asset: { status: 'SOLD', owner: MSP.R }, endorsement: { orgs: [MSP.R], n: 1 } });
    const qscc = maker.network.getContract('qscc');
    const next = common.Block.deserializeBinary(await qscc.evaluateTransaction('GetBlockByNumber', 'supplychain', String((mine?.provenance.blockNumber ?? 0) + 1)));
    expect(Buffer.from(next.getHeader()?.getPreviousHash_asU8() ?? []).toString('hex')).toBe(mine?.provenance.blockHash);
    expect(blockRefOf(await qscc.evaluateTransaction('GetBlockByTxID', 'supplychain', mine?.provenance.txId ?? '')).blockNumber).toBe(mine?.provenance.blockNumber);
    const pending = records.find((x) => x.id === ids[20]);
    expect(pending).toMatchObject({ asset: { pendingHandover: { to: MSP.C } } });
  });

  it('a tampered export (one record changed, one dropped, one added) is refused by verify, naming each record', async () => {
    const lines = readFileSync(exportFile, 'utf8').trimEnd().split('\n');
    const recordAt = (i: number): MigrationRecord => JSON.parse(lines[i + 1] as string) as MigrationRecord;
    const changed = recordAt(5);
    const dropped = recordAt(9);
    const forged = { ...(recordAt(12) as Extract<MigrationRecord, { kind: 'asset' }>) };
    const forgedId = `${forged.id}-forged`;
    const tampered = [...lines];
    // Another owner than the record's (records of other suites on the shared network may be the retailer's already).
    const otherOwner = (owner: string) => (owner === 'RetailerMSP' ? 'CarrierMSP' : 'RetailerMSP');
    tampered[6] = canonicalJson(changed.kind === 'asset' ? { ...changed, asset: { ...changed.asset, owner: otherOwner(changed.asset.owner) } } : { ...changed, id: 'x' });
    tampered.splice(13, 0, canonicalJson({ ...forged, id: forgedId, asset: { ...forged.asset, id: forgedId } }));
    tampered.splice(10, 1);
    const file = path.join(work, 'tampered.ndjson');
    writeFileSync(file, `${tampered.join('\n')}\n`);
    const r = await runWaybill(['migrate', 'verify', '--org', 'Retailer', '--export', file]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(`record #5 (${changed.kind} '${changed.id}') differs from the ledger in asset.owner (changed)`);
    expect(r.stderr).toContain(`${dropped.kind} '${dropped.id}' is on the ledger but missing from the export (dropped`);
    expect(r.stderr).toContain(`(asset '${forgedId}') is in the export but not on the ledger (added)`);
    expect(r.stderr).toMatch(/the export does not match RetailerMSP's peer: \d+ problem\(s\); first: record #5/);
    // A tampered copy of the file cannot be attested either.
    const t = await runWaybill(['migrate', 'attest', '--org', 'Retailer', '--export', file, ...cliTarget]);
    expect(t.code).not.toBe(0);
  });

  it('each organisation verifies against its own peer; import needs a majority of attestations', async () => {
    for (const org of ['Manufacturer', 'Carrier'] as const) {
      const r = await runWaybill(['migrate', 'attest', '--org', org, '--export', exportFile, ...cliTarget]);
      expect([org, r.code, r.stderr.slice(-500)]).toEqual([org, 0, expect.any(String)]);
      expect(JSON.parse(r.stdout)).toMatchObject({ root, mspId: `${org}MSP` });
    }
    const early = await runWaybill(['migrate', 'import', '--org', 'Carrier', '--export', exportFile, ...cliTarget]);
    expect(early.code).not.toBe(0);
    expect(early.stderr).toContain(`root ${root} is attested by 2 organisation(s) (CarrierMSP, ManufacturerMSP); 3 must verify and attest it first`);
    // The Authority reads its peer as the Fabric 2.2 SDKs do (signed proposals, no Gateway service):
    // the path AMB's 2.2 peers need (test/network/migration.amb-e2e.ts) gives the same verdict here.
    for (const org of ['Retailer', 'Authority'] as const) {
      const sdk = org === 'Authority' ? ['--source-sdk', 'fabric-2.2'] : [];
      const r = await runWaybill(['migrate', 'attest', '--org', org, '--export', exportFile, ...sdk, ...cliTarget]);
      expect([org, r.code, r.stderr.slice(-500)]).toEqual([org, 0, expect.any(String)]);
    }
  });

  it('the contract refuses a changed, a dropped and an added record, naming each', async () => {
    const lines: string[] = [];
    for await (const l of readExport(exportFile)) if (l.kind === 'record') lines.push(l.line);
    const tree = new MerkleLevels(Buffer.concat(lines.map((l) => leafHash(l))));
    const proof = (i: number): string[] => tree.proof(i).map((h) => h.toString('hex'));
    const admin = connectOn(targetNetwork(), 'Carrier', 'carrier-admin1');
    try {
      const importBatch = (entries: unknown[]): Promise<unknown> => submit(admin, 'importRecords', [root, JSON.stringify({ records: entries })]);
      const first = JSON.parse(lines[0] as string) as MigrationRecord;
      const changed = canonicalJson(first.kind === 'asset' ? { ...first, asset: { ...first.asset, custodian: MSP.R } } : first);
      expect(await rejection(importBatch([{ record: changed, proof: proof(0) }]))).toContain(
        `record #0 (${first.kind} '${first.id}') is not included in the attested root ${root}: it was changed or added`,
      );
      const second = JSON.parse(lines[1] as string) as MigrationRecord;
      expect(await rejection(importBatch([{ record: lines[1], proof: proof(1) }]))).toContain(
        `record #0 is missing: the batch gives record #1 (${second.kind} '${second.id}') next`,
      );
      const added = canonicalJson({ ...first, id: 'FORGED-1', ...(first.kind === 'asset' ? { asset: { ...first.asset, id: 'FORGED-1' } } : {}) });
      expect(await rejection(importBatch([{ record: added, proof: proof(0) }]))).toContain(
        `record #0 (${first.kind} 'FORGED-1') is not included in the attested root ${root}: it was changed or added`,
      );
      const status = JSON.parse(Buffer.from(await admin.contract.evaluateTransaction('getMigration', root)).toString('utf8')) as { import: unknown; attestedBy: string[] };
      expect(status).toMatchObject({ import: null, attestedBy: [MSP.A, MSP.C, MSP.M, MSP.R] });
    } finally {
      admin.close();
    }
  });

  it('imports the export; the target equals the source per asset; history starts with the import', async () => {
    const r = await runWaybill(['migrate', 'import', '--org', 'Retailer', '--export', exportFile, ...cliTarget]);
    expect([r.code, r.stderr.slice(-500)]).toEqual([0, expect.any(String)]);
    const summary = JSON.parse(r.stdout) as { importedNow: number; recordCount: number; progress: { complete: boolean } };
    expect(summary).toMatchObject({ importedNow: summary.recordCount, progress: { complete: true } });
    const s = await runWaybill(['migrate', 'status', '--org', 'Authority', '--export', exportFile, ...cliTarget]);
    expect([s.code, s.stderr.slice(-500)]).toEqual([0, expect.any(String)]);
    const status = JSON.parse(s.stdout) as { complete: boolean; left: number; equality: { equal: boolean; asset: { equal: number; source: number } } };
    expect(status).toMatchObject({ complete: true, left: 0, equality: { equal: true } });
    expect(status.equality.asset.equal).toBe(status.equality.asset.source);

    const target = connectOn(targetNetwork(), 'Manufacturer', 'manufacturer-user1');
    try {
      const provenance = JSON.parse(Buffer.from(await target.contract.evaluateTransaction('getImportProvenance', ids[6] as string)).toString('utf8')) as {
        root: string;
        source: { channel: string; blockNumber: number };
        importedTxId: string;
      };
      expect(provenance).toMatchObject({ root, source: { channel: 'supplychain' } });
      const history = JSON.parse(Buffer.from(await target.contract.evaluateTransaction('getAssetHistory', ids[6] as string)).toString('utf8')) as { entries: { txId: string }[] };
      expect(history.entries.map((e) => e.txId)).toEqual([provenance.importedTxId]);
    } finally {
      target.close();
    }
  });

  it('the migrated ledger migrates again: an export of the target verifies by another organisation, each record carrying its import transaction as provenance', async () => {
    // A second migration's export (network B → network C): read through the target's Carrier,
    // verified by the Retailer against its own target peer. Nothing was written to the target since the import.
    const again = path.join(work, 'again.ndjson');
    const onTarget = { dir: targetDir, basePort: targetBase };
    const r = await runWaybill(['migrate', 'export', '--org', 'Carrier', '--out', again], onTarget);
    expect([r.code, r.code === 0 ? '' : r.stderr.slice(0, 800)]).toEqual([0, '']);
    const v = await runWaybill(['migrate', 'verify', '--org', 'Retailer', '--export', again], onTarget);
    expect([v.code, v.code === 0 ? '' : v.stderr.slice(0, 800)]).toEqual([0, '']);
    const first: MigrationRecord[] = [];
    for await (const l of readExport(exportFile)) if (l.kind === 'record') first.push(l.value);
    const second: MigrationRecord[] = [];
    for await (const l of readExport(again)) if (l.kind === 'record') second.push(l.value);
    expect(second.map((x) => `${x.kind}:${x.id}`)).toEqual(first.map((x) => `${x.kind}:${x.id}`));
    const recalls = second.filter((x): x is Extract<MigrationRecord, { kind: 'recall' }> => x.kind === 'recall');
    expect(recalls.length).toBeGreaterThanOrEqual(2);
    const target = connectOn(targetNetwork(), 'Retailer', 'retailer-user1');
    try {
      const qscc = target.network.getContract('qscc');
      // An asset's provenance is the import transaction the target recorded for it.
      const lot = second.find((x) => x.id === ids[6]);
      const imported = JSON.parse(Buffer.from(await target.contract.evaluateTransaction('getImportProvenance', ids[6] as string)).toString('utf8')) as { importedTxId: string };
      expect(lot?.provenance.txId).toBe(imported.importedTxId);
      for (const recall of recalls) {
        // The recall's value is the source's (its updatedTxId a source transaction); its provenance
        // is the target's importRecords transaction whose batch carried it.
        expect(recall.recall).toEqual((first.find((x) => x.kind === 'recall' && x.id === recall.id) as typeof recall).recall);
        expect(recall.provenance.txId).not.toBe(recall.recall.updatedTxId);
        const block = await qscc.evaluateTransaction('GetBlockByTxID', 'supplychain', recall.provenance.txId);
        expect(blockRefOf(block)).toEqual({ blockNumber: recall.provenance.blockNumber, blockHash: recall.provenance.blockHash });
        expect(invocationOf(block, recall.provenance.txId)).toEqual(['importRecords', root, expect.stringContaining(`\\"id\\":\\"${recall.id}\\"`)]);
        // Not a transaction of the source (rejection() throws if the source finds it).
        expect(await rejection(maker.network.getContract('qscc').evaluateTransaction('GetBlockByTxID', 'supplychain', recall.provenance.txId))).not.toBe('');
      }
    } finally {
      target.close();
    }
  });

  it('the gateway switched to the target: same API key, one NetworkMigrated, new event IDs, the read model rebuilt', async () => {
    const sourceIds = new Set(receiver.accepted('/switch').map((d) => d.event.id));
    const targetProfile = targetNetwork().layout.profile(targetNetwork().topology.peerOrgs.find((o) => o.key === 'manufacturer') ?? assertNever());
    await gw.start({ WAYBILL_PROFILE: targetProfile });
    // The same key reads the imported lot from the target.
    const read = await gw.call<{ id: string; status: string }>(userKey, 'GET', `/v1/assets/${ids[6] ?? ''}`);
    expect([read.status, read.body]).toEqual([200, expect.objectContaining({ id: ids[6], status: 'SOLD' })]);
    // Subscribers hear of the switch once, whatever their filter.
    const migrated = await until('the NetworkMigrated webhook', () => Promise.resolve(receiver.accepted('/switch').find((d) => d.event.name === 'NetworkMigrated')));
    expect(migrated).toMatchObject({ signatureValid: true, event: { id: 'network-2:NetworkMigrated', assetIds: [], payload: { epoch: 2, from: { channel: 'supplychain' }, to: { channel: 'supplychain' } } } });
    const payload = migrated.event.payload as { from: { genesisBlockHash: string }; to: { genesisBlockHash: string } };
    expect(payload.to.genesisBlockHash).toMatch(/^[0-9a-f]{64}$/);
    expect(payload.to.genesisBlockHash).not.toBe(payload.from.genesisBlockHash);
    // A write on the target: its event arrives with a new ID.
    const created = await gw.call<{ txId: string; blockNumber: number }>(userKey, 'POST', '/v1/assets', assetBody(`${tag}-switched`));
    expect(created.status).toBe(201);
    const after = await until('the target AssetCreated webhook', () => Promise.resolve(receiver.accepted('/switch').find((d) => d.event.txId === created.body.txId)));
    expect(after.event).toMatchObject({ id: `${created.body.txId}:AssetCreated`, blockNumber: created.body.blockNumber });
    expect(sourceIds.has(after.event.id)).toBe(false);
    // The read model is rebuilt from the target: the imported lots are listed.
    const listed = await until('the imported lots in the read model', async () => {
      const page = await gw.call<{ items: { id: string }[] }>(userKey, 'GET', `/v1/assets?source=read-model&sku=${tag}-SKU&limit=100`);
      return page.status === 200 && page.body.items.length >= 100 ? page.body.items.map((a) => a.id) : undefined;
    });
    expect(listed).toEqual(expect.arrayContaining([ids[0], ids[6], ids[20], ids[30]]));
    // Restarted on the target: no second NetworkMigrated, and every delivered ID is unique.
    await gw.stop();
    await gw.start({ WAYBILL_PROFILE: targetProfile });
    const again = await gw.call<{ txId: string }>(userKey, 'POST', '/v1/assets', assetBody(`${tag}-restarted`));
    expect(again.status).toBe(201);
    await until('the AssetCreated webhook after the restart', () => Promise.resolve(receiver.accepted('/switch').some((d) => d.event.txId === again.body.txId) ? true : undefined));
    const delivered = receiver.accepted('/switch').map((d) => d.event.id);
    expect(delivered.filter((id) => id.endsWith(':NetworkMigrated'))).toEqual(['network-2:NetworkMigrated']);
    expect(new Set(delivered).size).toBe(delivered.length);
  });

  it('the journey continues on the target under the imported holders and key-level policies', async () => {
    const net = targetNetwork();
    const tMaker = connectOn(net, 'Manufacturer', 'manufacturer-user1');
    const tCarrier = connectOn(net, 'Carrier', 'carrier-user1');
    try {
      const synced = syncedSubmit([
        { session: tMaker, mspId: MSP.M },
        { session: tCarrier, mspId: MSP.C },
      ]);
      // The handover proposed on the source is accepted on the target.
      const accepted = await synced<Asset>(tCarrier, 'acceptHandover', [ids[20] as string], { endorsers: [MSP.M, MSP.C, MSP.A] });
      expect(accepted.result).toMatchObject({ status: 'IN_TRANSIT', custodian: MSP.C, pendingHandover: null });
      // An in-transit lot's key-level policy names both holders: the manufacturer alone cannot move it.
      expect(await rejection(submit(tMaker, 'putOnHold', [ids[0] as string, 'check'], { endorsers: [MSP.M, MSP.A, MSP.R] }))).toMatch(/validation code 10\b/);
      const created = await synced<Asset>(tMaker, 'createAsset', [sampleAssetInput(`${tag}-after`)]);
      expect(created.result.status).toBe('CREATED');
    } finally {
      tMaker.close();
      tCarrier.close();
    }
  });
});
