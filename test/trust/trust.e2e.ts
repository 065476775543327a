// Trust among rivals, on the real network: an organisation with full control of its own CA, peer
// and chaincode package cannot act beyond its rights. A regulator minted by a trading
// organisation's CA is refused; a modified chaincode run by one organisation cannot create,
// change or emit anything attributed to another (invalid at commit, or never delivered by any
// gateway); counterparties must be members and cannot block a cancellation; CA processes carry
// no secret on their command lines; and the roles × organisations × operations matrix generated
// from the chaincode's access table holds cell by cell.
import { randomBytes } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { ROLE_ORGANISATIONS, ALL_ROLES, type Role } from '../../chaincode/src/constants';
import { roleRefusal, type Governance } from '../../chaincode/src/domain/governance';
import { OPERATOR_ROLES } from '../../chaincode/src/domain/state-machine';
import type { GatewaySession } from '../../infra/src/local/gateway-client';
import { runningPid } from '../../infra/src/local/processes';
import { call, committed, expectProblem } from '../support/api';
import { connectAs, sampleAssetInput, testNetwork, uniqueId } from '../support/fabric';
import { CommitRejected, EventCollector, evaluate, rejection, submit } from '../support/ledger';
import { buildRogueChaincode, mintIdentity, runChaincodeOf } from '../support/rogue';
import { openSse } from '../support/sse';

/** Fabric's TxValidationCode.ENDORSEMENT_POLICY_FAILURE. */
const ENDORSEMENT_POLICY_FAILURE = 10;
const MSP = { M: 'ManufacturerMSP', C: 'CarrierMSP', R: 'RetailerMSP', A: 'AuthorityMSP' } as const;
const MAJORITY = [MSP.M, MSP.C, MSP.A];

const net = testNetwork();
const sessions: GatewaySession[] = [];
const session = (org: string, id: string): GatewaySession => {
  const s = connectAs(org, id);
  sessions.push(s);
  return s;
};
afterAll(() => sessions.forEach((s) => s.close()));

/** The commit failure of a transaction, checking it is the validator that refused it. */
async function invalidAtCommit(p: Promise<unknown>): Promise<CommitRejected> {
  try {
    await p;
  } catch (err) {
    if (err instanceof CommitRejected) return err;
    throw err;
  }
  throw new Error('expected the transaction to be invalidated at commit, but it committed');
}

async function createLot(maker: GatewaySession): Promise<string> {
  const lot = uniqueId('TRUST');
  await submit(maker, 'createAsset', [sampleAssetInput(lot)], { endorsers: MAJORITY });
  return lot;
}

describe('oversight is bound to the organisations the channel designates', () => {
  it('refuses a regulator minted by RetailerMSP’s own CA; the Authority’s regulator holds, and only it releases', async () => {
    const maker = session('Manufacturer', 'manufacturer-user1');
    const lot = await createLot(maker);
    const rogue = await mintIdentity(net, 'Retailer', uniqueId('rogue-regulator').toLowerCase(), 'regulator');
    sessions.push(rogue);
    expect(await rejection(submit(rogue, 'putOnHold', [lot, 'fake inspection'], { endorsers: [MSP.M, MSP.C, MSP.R] }))).toMatch(
      /FORBIDDEN: role 'regulator' is reserved to oversight organisations \(AuthorityMSP\); RetailerMSP is not designated/,
    );
    expect(await rejection(evaluate(rogue, 'getAsset', [lot]))).toMatch(/FORBIDDEN: /);
    // Through the APIs: the Authority's regulator holds; the owner cannot lift that hold.
    const held = committed<{ hold: { byOrg: string } }>(await call('authority', 'POST', `/v1/assets/${lot}/hold`, { as: 'regulator1', body: { reason: 'sampling' } }));
    expect(held.result.hold).toMatchObject({ byOrg: MSP.A, byRole: 'regulator' });
    expectProblem(await call('manufacturer', 'POST', `/v1/assets/${lot}/hold/release`, { as: 'manufacturer-user1' }), 403, 'FORBIDDEN');
    committed(await call('authority', 'POST', `/v1/assets/${lot}/hold/release`, { as: 'regulator1' }));
  });
});

describe('a modified chaincode package run by one organisation (RetailerMSP) alone', () => {
  let maker: GatewaySession;
  let retail: GatewaySession;
  let rogueMaker: GatewaySession;
  let lot: string;

  beforeAll(async () => {
    maker = session('Manufacturer', 'manufacturer-user1');
    retail = session('Retailer', 'retailer-user1');
    lot = await createLot(maker);
    // The real chaincode with rules removed: assets attributed to the Manufacturer, no
    // organisation check, and a query that emits a forged recall of anyone's lot.
    const rogueDir = buildRogueChaincode(net, [
      { file: 'contracts/operations/lifecycle.js', find: 'const org = caller.mspId;', replace: "const org = 'ManufacturerMSP';" },
      { file: 'access/authorize.js', find: 'function relationFailure(relation, caller, asset, facts) {', replace: 'function relationFailure(relation, caller, asset, facts) {\n    return undefined;' },
      {
        file: 'contracts/operations/queries.js',
        find: 'async function getAsset(tx, assetId) {\n    void tx.caller;',
        replace: [
          'async function getAsset(tx, assetId) {',
          '    void tx.caller;',
          "    const forge = tx.stub.getTransient().get('forge');",
          '    if (forge !== undefined) {',
          "        if (Buffer.from(forge).toString('utf8') === 'own-collection') await tx.stub.putPrivateData('_implicit_org_RetailerMSP', 'forged', Buffer.from('x'));",
          "        tx.stub.setEvent('AssetRecalled', Buffer.from(JSON.stringify({ event: 'AssetRecalled', recallId: tx.txId, rootAssetId: assetId, markedAssetIds: [assetId], markedCount: 1, remaining: 0, complete: true, reason: 'forged', txId: tx.txId, timestamp: tx.now, actorOrg: 'ManufacturerMSP', actorRole: 'manufacturer' })));",
          '    }',
        ].join('\n'),
      },
    ]);
    await runChaincodeOf(net, 'Retailer', rogueDir);
    rogueMaker = await mintIdentity(net, 'Retailer', uniqueId('rogue-maker').toLowerCase(), 'manufacturer');
    sessions.push(rogueMaker);
  });
  afterAll(async () => {
    await runChaincodeOf(net, 'Retailer');
  });

  it('(a) cannot create an asset attributed to another organisation: invalid at commit', async () => {
    const forged = uniqueId('FORGED');
    const err = await invalidAtCommit(submit(rogueMaker, 'createAsset', [sampleAssetInput(forged)], { endorsers: [MSP.R] }));
    expect(err.code).toBe(ENDORSEMENT_POLICY_FAILURE);
    expect(await rejection(evaluate(maker, 'getAsset', [forged], [MSP.M]))).toMatch(/ASSET_NOT_FOUND: /);
    // Honest peers in the endorsement set compute a different record: no consistent endorsement.
    expect(await rejection(submit(rogueMaker, 'createAsset', [sampleAssetInput(forged)], { endorsers: [MSP.R, MSP.C, MSP.A] }))).toMatch(/./);
    expect(await rejection(evaluate(maker, 'getAsset', [forged], [MSP.M]))).toMatch(/ASSET_NOT_FOUND: /);
  });

  it('(b) cannot change an asset it does not hold: invalid at commit alone, refused by honest peers with a majority', async () => {
    const err = await invalidAtCommit(submit(retail, 'putOnHold', [lot, 'rogue hold'], { endorsers: [MSP.R] }));
    expect(err.code).toBe(ENDORSEMENT_POLICY_FAILURE);
    expect(await rejection(submit(retail, 'putOnHold', [lot, 'rogue hold'], { endorsers: [MSP.R, MSP.C, MSP.A] }))).toMatch(
      /FORBIDDEN: organisation RetailerMSP is not the owner or the custodian/,
    );
    expect(await evaluate(maker, 'getAsset', [lot], [MSP.M])).toMatchObject({ status: 'CREATED', hold: null, owner: MSP.M });
  });

  it('(c) cannot make any gateway deliver an AssetRecalled for another organisation’s lot', async () => {
    const raw = await EventCollector.start(maker, net.topology.chaincode.name);
    try {
      // Write-less: the chaincode-level majority applies, so alone it is invalid at commit.
      const writeless = await invalidAtCommit(submit(retail, 'getAsset', [lot], { endorsers: [MSP.R], transient: { forge: 'write-less' } }));
      expect(writeless.code).toBe(ENDORSEMENT_POLICY_FAILURE);
      // Writing only its own implicit collection (its own peer's policy), it is valid: Fabric
      // delivers the forged event to raw listeners...
      const forged = await submit(retail, 'getAsset', [lot], { endorsers: [MSP.R], transient: { forge: 'own-collection' } });
      // ...then a genuine change of the lot, so every gateway has read past the forged block.
      const genuine = committed(await call('manufacturer', 'POST', `/v1/assets/${lot}/attributes`, { as: 'manufacturer-user1', body: { set: { grade: 'B' } } }));
      await raw.waitFor([forged.txId, genuine.txId]);
      expect(raw.events.filter((e) => e.transactionId === forged.txId).map((e) => e.eventName)).toEqual(['AssetRecalled']);
      expect(raw.events.some((e) => e.transactionId === writeless.txId)).toBe(false);
      // ...but no organisation's gateway stores, streams or forwards it.
      for (const org of ['manufacturer', 'carrier', 'retailer', 'authority']) {
        const identity = org === 'authority' ? 'auditor1' : `${org}-user1`;
        const sse = await openSse(org, `/v1/events?asset=${lot}&fromBlock=0`, identity);
        try {
          expect(sse.status).toBe(200);
          const seen = await sse.waitFor(2, 30_000);
          const until = Date.now() + 30_000;
          while (!sse.events.some((e) => e.data.txId === genuine.txId) && Date.now() < until) await new Promise((r) => setTimeout(r, 200));
          expect([org, sse.events.map((e) => e.data.name)]).toEqual([org, ['AssetCreated', 'AttributesUpdated']]);
          expect(seen.concat(sse.events).some((e) => e.data.txId === forged.txId)).toBe(false);
        } finally {
          sse.close();
        }
      }
      expect(await evaluate(maker, 'getAsset', [lot], [MSP.M])).toMatchObject({ status: 'CREATED', recall: null });
    } finally {
      await raw.close();
    }
  });
});

describe('counterparties', () => {
  it('a sale or handover to an organisation that is not a trading member is refused, nothing written', async () => {
    const id = uniqueId('MEMBER');
    committed(await call('manufacturer', 'POST', '/v1/assets', { as: 'manufacturer-user1', body: { id, product: { sku: 'SKU-T', description: 'crate' }, quantity: { amount: 1, unit: 'case' }, origin: { site: 'Plant 7', country: 'IT' } } }), 201);
    for (const buyerOrg of ['GhostMSP', MSP.A]) {
      const p = expectProblem(await call('manufacturer', 'POST', `/v1/assets/${id}/sale`, { as: 'manufacturer-user1', body: { buyerOrg } }), 422, 'INVALID_ARGUMENT');
      expect(p.detail).toMatch(/not a trading member organisation of the channel/);
      expectProblem(await call('manufacturer', 'POST', `/v1/assets/${id}/handover`, { as: 'manufacturer-user1', body: { toOrg: buyerOrg } }), 422, 'INVALID_ARGUMENT');
    }
    const asset = await call<{ pendingSale: unknown; pendingHandover: unknown }>('manufacturer', 'GET', `/v1/assets/${id}`, { as: 'manufacturer-user1' });
    expect(asset.body).toMatchObject({ pendingSale: null, pendingHandover: null });
  });

  it('a buyer that does not cooperate (its chaincode server down) cannot block the seller’s cancellation', async () => {
    const id = uniqueId('STUCK');
    committed(await call('manufacturer', 'POST', '/v1/assets', { as: 'manufacturer-user1', body: { id, product: { sku: 'SKU-T', description: 'crate' }, quantity: { amount: 1, unit: 'case' }, origin: { site: 'Plant 7', country: 'IT' } } }), 201);
    committed(await call('manufacturer', 'POST', `/v1/assets/${id}/sale`, { as: 'manufacturer-user1', body: { buyerOrg: MSP.C } }));
    const server = net.topology.chaincodeServers.find((s) => s.org === 'Carrier');
    if (!server) throw new Error('no Carrier chaincode server');
    const pid = runningPid(net.layout.pidFile(server.name));
    if (pid === undefined) throw new Error('Carrier chaincode server not running');
    process.kill(pid, 'SIGSTOP');
    try {
      const cancelled = committed<{ pendingSale: unknown }>(await call('manufacturer', 'POST', `/v1/assets/${id}/sale/cancel`, { as: 'manufacturer-user1' }));
      expect(cancelled.result.pendingSale).toBeNull();
    } finally {
      process.kill(pid, 'SIGCONT');
    }
  });
});

describe('sale cancelled by the seller alone', () => {
  it("the buyer's gateway purges the buyer's private terms on its own peer, once", async () => {
    const id = uniqueId('PURGE');
    committed(await call('manufacturer', 'POST', '/v1/assets', { as: 'manufacturer-user1', body: { id, product: { sku: 'SKU-T', description: 'crate' }, quantity: { amount: 1, unit: 'case' }, origin: { site: 'Plant 7', country: 'IT' } } }), 201);
    const proposed = committed<{ pendingSale: { saleId: string } }>(await call('manufacturer', 'POST', `/v1/assets/${id}/sale`, { as: 'manufacturer-user1', body: { buyerOrg: MSP.R } }));
    const saleId = proposed.result.pendingSale.saleId;
    const terms = { price: '12.5', currency: 'EUR', incoterms: 'EXW', nonce: randomBytes(16).toString('hex') };
    committed(await call('manufacturer', 'POST', `/v1/assets/${id}/sale/terms`, { as: 'manufacturer-user1', body: terms }));
    committed(await call('retailer', 'POST', `/v1/assets/${id}/sale/terms`, { as: 'retailer-user1', body: terms }));
    const purges = await openSse('retailer', `/v1/events?name=SaleCancelled,TermsPurged&asset=${encodeURIComponent(id)}&fromBlock=0`, 'retailer-user1');
    try {
      const cancelled = committed<{ pendingSale: unknown }>(await call('manufacturer', 'POST', `/v1/assets/${id}/sale/cancel`, { as: 'manufacturer-user1' }));
      expect(cancelled.result.pendingSale).toBeNull();
      const [cancel, purge] = await purges.waitFor(2, 30_000);
      expect(cancel?.data).toMatchObject({ name: 'SaleCancelled', payload: { saleId, buyer: MSP.R, termsPurged: { seller: true, buyer: false } } });
      expect(purge?.data).toMatchObject({ name: 'TermsPurged', assetIds: [id], payload: { assetId: id, saleId, org: MSP.R } });
      // Nothing is left to purge: the buyer's collection no longer holds the terms.
      await expect(rejection(submit(session('Retailer', 'retailer-user1'), 'purgeTerms', [id, saleId], { endorsers: [MSP.R] }))).resolves.toMatch(/TERMS_MISSING: /);
      // Once: no second purge follows (the purger's position moved past the cancellation).
      await new Promise((r) => setTimeout(r, 2_000));
      expect(purges.events.filter((e) => e.event === 'TermsPurged')).toHaveLength(1);
    } finally {
      purges.close();
    }
  });
});

describe('certificate authorities', () => {
  it('carry no secret on their command lines; their config (holding the registrar) is owner-only', () => {
    for (const ca of net.topology.cas) {
      const pid = runningPid(net.layout.pidFile(ca.name));
      if (pid === undefined) throw new Error(`${ca.name} is not running`);
      const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      const home = net.layout.caHome(ca);
      const secret = readFileSync(path.join(home, 'bootstrap-secret'), 'utf8').trim();
      expect(secret.length).toBeGreaterThanOrEqual(32);
      expect([ca.name, args.some((a) => a.includes(secret)), args.includes('-b') || args.includes('--boot')]).toEqual([ca.name, false, false]);
      expect([ca.name, statSync(path.join(home, 'fabric-ca-server-config.yaml')).mode & 0o077]).toEqual([ca.name, 0]);
    }
  });
});

describe('roles × organisations × operations, generated from the chaincode’s access table', () => {
  const orgs = ['Manufacturer', 'Carrier', 'Retailer', 'Authority'] as const;
  const cells = ALL_ROLES.flatMap((role) => orgs.map((org) => ({ role, org })));
  const ids = new Map<string, GatewaySession>();
  let lot: string;
  let governance: Governance;

  beforeAll(async () => {
    const maker = session('Manufacturer', 'manufacturer-user1');
    lot = await createLot(maker);
    governance = await evaluate<Governance>(maker, 'getGovernance', []);
    for (const { role, org } of cells) {
      const s = await mintIdentity(net, org, uniqueId(`m-${role}-${org}`).toLowerCase(), role);
      sessions.push(s);
      ids.set(`${role}@${org}`, s);
    }
  }, 300_000);

  const mspOf = (org: string): string => `${org}MSP`;
  /** What the access table says: the role's organisations, then the operation's grants on a Manufacturer-held lot. */
  const allowed = (role: Role, org: string, op: 'getAsset' | 'createAsset' | 'putOnHold'): boolean => {
    if (roleRefusal(governance, mspOf(org), role) !== undefined) return false;
    if (op === 'getAsset') return true;
    if (op === 'createAsset') return role === 'manufacturer';
    return role === 'regulator' || (OPERATOR_ROLES.includes(role) && mspOf(org) === MSP.M);
  };

  it('covers every role and organisation, and the table names a set for every role', () => {
    expect(cells).toHaveLength(ALL_ROLES.length * orgs.length);
    expect(Object.keys(ROLE_ORGANISATIONS).sort()).toEqual([...ALL_ROLES].sort());
  });

  it.each(cells.map((c) => [`${c.role} at ${c.org}`, c] as const))('%s', async (_name, { role, org }) => {
    const s = ids.get(`${role}@${org}`);
    if (!s) throw new Error('identity not minted');
    const ops = {
      getAsset: () => evaluate(s, 'getAsset', [lot], [MSP.M]),
      createAsset: () => evaluate(s, 'createAsset', [sampleAssetInput(uniqueId('MX'))], [MSP.M]),
      putOnHold: () => evaluate(s, 'putOnHold', [lot, 'matrix check'], [MSP.M]),
    } as const;
    for (const [op, run] of Object.entries(ops) as [keyof typeof ops, () => Promise<unknown>][]) {
      const expected = allowed(role, org, op);
      const outcome = await run().then(
        () => 'allowed',
        (err: unknown) => `refused: ${String((err as { details?: { message?: string }[] }).details?.map((d) => d.message).join(' ') ?? err)}`,
      );
      if (expected) expect([op, outcome]).toEqual([op, 'allowed']);
      else expect([op, outcome]).toEqual([op, expect.stringMatching(/^refused: .*FORBIDDEN: /)]);
    }
  });
});
