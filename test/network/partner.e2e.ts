import { X509Certificate } from 'node:crypto';
import { common, msp, peer } from '@hyperledger/fabric-protos';
import { copyFileSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { currentConfig } from '../../infra/src/local/channel-admin';
import { evaluateTransaction } from '../../infra/src/lifecycle/lifecycle';
import { adminIdentity, anchorPeer, orgOf, peerEndpoint } from '../../infra/src/local/endpoints';
import { assetBody, call, committed, type ApiResponse } from '../support/api';
import { runWaybill, testNetwork, uniqueId, waybill, env } from '../support/fabric';

// A partner organisation onboarded as it would be in production: its own CA, keys, peer, chaincode
// server and gateway API in its own directory and on its own ports; the founders see only its
// public MSP folder and anchor peer address, it sees only the orderer's address and TLS root.
const PARTNER = { name: 'Forwarder', mspId: 'ForwarderMSP', key: 'forwarder' };
const FOUNDERS = ['AuthorityMSP', 'CarrierMSP', 'ManufacturerMSP', 'RetailerMSP'];

interface Asset {
  readonly id: string;
  readonly owner: string;
  readonly custodian: string;
  readonly status: string;
  readonly pendingHandover: { from: string; to: string } | null;
}
interface Admission {
  definition: { sequence: number; signaturePolicy: string; approvedBy: string[]; needed: number; committed: boolean };
  governance: { version: number; members: string[]; approvals: string[]; needed: number; applied: boolean };
}

jest.setTimeout(600_000);

describe('a partner organisation with its own CA, peer and API joins the running channel and trades', () => {
  const net = testNetwork();
  const work = mkdtempSync(path.join(os.tmpdir(), 'waybill-partner-'));
  const dir = path.join(work, 'forwarder');
  const basePort = String(Number(env.basePort) + 2000);
  /** A command the partner runs on its own machine: only its own directory. */
  const asPartner = (args: string[]): Promise<string> => waybill(['org', ...args], { dir, basePort });
  const channelOrgs = async (): Promise<string[]> =>
    [...((await currentConfig(net, adminIdentity(net, orgOf(net, 'Carrier')))).getChannelGroup()?.getGroupsMap().get('Application')?.getGroupsMap().keys() ?? [])].sort();
  let publicMsp = '';
  let anchor = '';
  let sequenceBefore = 0;
  let reversed = false;

  /** The MSP IDs whose peers endorsed a committed transaction (read from a founder's ledger). */
  async function endorsersOf(txId: string): Promise<string[]> {
    const carrier = orgOf(net, 'Carrier');
    const query = (): Promise<Uint8Array> =>
      evaluateTransaction(adminIdentity(net, carrier), peerEndpoint(net, anchorPeer(carrier)), '', 'qscc', 'GetTransactionByID', [
        new TextEncoder().encode(net.topology.channel),
        new TextEncoder().encode(txId),
      ]);
    // The carrier's peer may commit the block a moment after the gateway's own peer did.
    let bytes: Uint8Array | undefined;
    for (let i = 0; !bytes; i++) {
      try {
        bytes = await query();
      } catch (err) {
        if (i >= 100) throw err;
        await new Promise((r) => setTimeout(r, 300));
      }
    }
    const processed = peer.ProcessedTransaction.deserializeBinary(bytes);
    expect(processed.getValidationcode()).toBe(peer.TxValidationCode.VALID);
    const payload = common.Payload.deserializeBinary(processed.getTransactionenvelope()?.getPayload_asU8() ?? new Uint8Array());
    const tx = peer.Transaction.deserializeBinary(payload.getData_asU8());
    const action = peer.ChaincodeActionPayload.deserializeBinary(tx.getActionsList()[0]?.getPayload_asU8() ?? new Uint8Array());
    return (action.getAction()?.getEndorsementsList() ?? []).map((e) => msp.SerializedIdentity.deserializeBinary(e.getEndorser_asU8()).getMspid()).sort();
  }

  /** Calls the partner's own gateway API with the API keys its `org api` created. */
  async function partnerCall<T>(method: string, urlPath: string, body?: unknown): Promise<ApiResponse<T>> {
    const api = JSON.parse(readFileSync(path.join(dir, 'gateway', `${PARTNER.key}-api-keys.json`), 'utf8')) as { url: string; keys: Record<string, string> };
    const res = await fetch(`${api.url}${urlPath}`, {
      method,
      headers: { 'x-api-key': api.keys[`${PARTNER.key}-user1`] ?? '', ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, headers: res.headers, body: (text && (res.headers.get('content-type') ?? '').includes('json') ? JSON.parse(text) : text) as T };
  }

  const admit = async (org: string, verb: 'admit' | 'retire'): Promise<Admission> =>
    JSON.parse(await waybill(['org', verb, '--org', org, '--msp-id', PARTNER.mspId])) as Admission;

  /** Founders retire the partner and take it out of the channel (a majority each time); idempotent. */
  async function reverse(): Promise<void> {
    for (const org of ['Manufacturer', 'Carrier', 'Retailer', 'Authority']) await admit(org, 'retire');
    if ((await channelOrgs()).includes(PARTNER.mspId)) {
      const file = path.join(work, 'remove.update');
      await waybill(['org', 'remove', '--org', 'Manufacturer', '--msp-id', PARTNER.mspId, '--out', file, '--sign']);
      await waybill(['channel', 'sign', file, '--org', 'Carrier']);
      await waybill(['channel', 'sign', file, '--org', 'Retailer']);
      await waybill(['channel', 'submit', file, '--org', 'Authority']);
    }
  }

  afterAll(async () => {
    try {
      // A failure half-way must not leave the shared network with a member no suite knows.
      if (!reversed && (await channelOrgs()).includes(PARTNER.mspId)) await reverse();
    } finally {
      await runWaybill(['org', 'down'], { dir, basePort });
      rmSync(work, { recursive: true, force: true });
    }
  }, 600_000);

  it('the partner starts its own CA and enrols its admin, peer and users; only its public MSP leaves its directory', async () => {
    const out = JSON.parse(await asPartner(['init', '--name', PARTNER.name, '--msp-id', PARTNER.mspId])) as { mspDir: string; anchorPeer: string };
    publicMsp = out.mspDir;
    anchor = out.anchorPeer;
    expect(anchor).toBe(`localhost:${Number(basePort) + 10}`);
    const files = (d: string, at = ''): string[] =>
      readdirSync(d).flatMap((f) => (statSync(path.join(d, f)).isDirectory() ? files(path.join(d, f), `${at}${f}/`) : [`${at}${f}`]));
    expect(files(publicMsp).sort()).toEqual(['cacerts/ca.pem', 'config.yaml', 'tlscacerts/ca.pem']);
    // Its CA is its own (not a founder's), and its users carry their waybill.role.
    const ca = new X509Certificate(readFileSync(path.join(publicMsp, 'cacerts', 'ca.pem')));
    expect(ca.subject).toContain(`ca.${PARTNER.key}.waybill.local`);
    const user = new X509Certificate(readFileSync(path.join(dir, 'orgs', PARTNER.key, 'users', `${PARTNER.key}-user1`, 'msp', 'signcerts', 'cert.pem')));
    expect(user.verify(ca.publicKey)).toBe(true);
    expect(user.raw.toString('latin1')).toContain('"waybill.role":"carrier"');
  });

  it('the founders add it to the channel with a majority of signatures collected one by one; one short is refused naming who is missing', async () => {
    const file = path.join(work, 'add.update');
    await waybill(['org', 'add', '--org', 'Manufacturer', '--msp-id', PARTNER.mspId, '--msp-dir', publicMsp, '--anchor-peer', anchor, '--out', file, '--sign']);
    await waybill(['channel', 'sign', file, '--org', 'Retailer']);
    const short = await runWaybill(['channel', 'submit', file, '--org', 'Carrier']);
    expect({ code: short.code, stderr: short.stderr }).toEqual({
      code: 1,
      stderr:
        'waybill: not enough signatures (signed by ManufacturerMSP, RetailerMSP): /Channel/Application needs 1 more admin signature(s) of AuthorityMSP, CarrierMSP (/Channel/Application/Admins)\n',
    });
    expect(await channelOrgs()).toEqual(FOUNDERS);
    await waybill(['channel', 'sign', file, '--org', 'Authority']);
    await waybill(['channel', 'submit', file, '--org', 'Carrier']);
    expect(await channelOrgs()).toEqual([...FOUNDERS, PARTNER.mspId].sort());
  });

  it('the partner joins its peer from its own directory with public material only (orderer address and TLS root)', async () => {
    const tlsRoot = path.join(work, 'orderer-tlsca.pem');
    copyFileSync(net.layout.orgTlsCa(net.topology.ordererOrg), tlsRoot);
    const orderer = net.topology.orderers[0];
    const joined = JSON.parse(
      await asPartner(['join', '--channel', net.topology.channel, '--orderer', `localhost:${orderer?.port ?? 0}`, '--orderer-tls-ca', tlsRoot]),
    ) as { channel: string; height: number };
    expect(joined.channel).toBe(net.topology.channel);
    expect(joined.height).toBeGreaterThan(1);
  });

  it('each founder admits it: the definition naming its peer commits at a majority, and so does the governance record', async () => {
    sequenceBefore = (JSON.parse(await waybill(['chaincode', 'querycommitted', '--org', 'Carrier'])) as { sequence: number }).sequence;
    const first = await admit('Manufacturer', 'admit');
    expect(first.definition).toMatchObject({ sequence: sequenceBefore + 1, approvedBy: ['ManufacturerMSP'], needed: 3, committed: false });
    expect(first.definition.signaturePolicy).toBe(
      "OutOf(3, 'ManufacturerMSP.peer', 'CarrierMSP.peer', 'RetailerMSP.peer', 'AuthorityMSP.peer', 'ForwarderMSP.peer')",
    );
    expect(first.governance).toMatchObject({ approvals: ['ManufacturerMSP'], needed: 3, applied: false });
    const second = await admit('Carrier', 'admit');
    expect(second.definition).toMatchObject({ approvedBy: ['CarrierMSP', 'ManufacturerMSP'], committed: false });
    expect(second.governance).toMatchObject({ approvals: ['CarrierMSP', 'ManufacturerMSP'], applied: false });
    const third = await admit('Retailer', 'admit');
    expect(third.definition).toMatchObject({ sequence: sequenceBefore + 1, committed: true });
    expect(third.governance).toMatchObject({ applied: true, members: [...FOUNDERS, PARTNER.mspId].sort() });
    // The last founder approves the committed definition too, so that its peer keeps running it.
    const fourth = await admit('Authority', 'admit');
    expect(fourth.definition).toMatchObject({ sequence: sequenceBefore + 1, committed: true });
    expect(fourth.definition.approvedBy).toEqual(FOUNDERS);
  });

  it("the partner runs the chaincode on its own server and approves the committed definition; its peer endorses", async () => {
    const approved = JSON.parse(await asPartner(['approve'])) as { sequence: number; packageId: string };
    expect(approved.sequence).toBe(sequenceBefore + 1);
    const c = JSON.parse(await waybill(['chaincode', 'querycommitted', '--org', 'Carrier'])) as { approvals: Record<string, boolean> };
    expect(c.approvals).toEqual(Object.fromEntries([...FOUNDERS, PARTNER.mspId].sort().map((m) => [m, true])));
  });

  it('completes handovers with the founders through its own API, endorsed by its own peer', async () => {
    const api = JSON.parse(await asPartner(['api'])) as { url: string };
    expect(api.url).toBe(`http://localhost:${Number(basePort) + 30}`);
    const id = uniqueId('partner');
    committed(await call('manufacturer', 'POST', '/v1/assets', { as: 'manufacturer-user1', body: assetBody(id) }), 201);
    committed(await call('manufacturer', 'POST', `/v1/assets/${id}/handover`, { as: 'manufacturer-user1', body: { toOrg: PARTNER.mspId } }));

    const accepted = committed<Asset>(await partnerCall('POST', `/v1/assets/${id}/handover/accept`, {}));
    expect(accepted.result).toMatchObject({ owner: 'ManufacturerMSP', custodian: PARTNER.mspId, status: 'IN_TRANSIT', pendingHandover: null });
    expect(await endorsersOf(accepted.txId)).toContain(PARTNER.mspId);

    const onward = committed<Asset>(await partnerCall('POST', `/v1/assets/${id}/handover`, { toOrg: 'RetailerMSP' }));
    expect(onward.result.pendingHandover).toMatchObject({ from: PARTNER.mspId, to: 'RetailerMSP' });
    expect(await endorsersOf(onward.txId)).toEqual(['ForwarderMSP', 'ManufacturerMSP']);

    // A founder's gateway needs the partner's peer too: it is the custodian the key-level policy names.
    const delivered = committed<Asset>(await call('retailer', 'POST', `/v1/assets/${id}/handover/accept`, { as: 'retailer-user1', body: {} }));
    expect(delivered.result).toMatchObject({ custodian: 'RetailerMSP', status: 'DELIVERED' });
    expect(await endorsersOf(delivered.txId)).toContain(PARTNER.mspId);

    // Read through its own API (its own peer, which commits the retailer's block a moment later).
    let read = await partnerCall<Asset>('GET', `/v1/assets/${id}`);
    for (let i = 0; i < 100 && read.body.custodian !== 'RetailerMSP'; i++) {
      await new Promise((r) => setTimeout(r, 300));
      read = await partnerCall<Asset>('GET', `/v1/assets/${id}`);
    }
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({ id, custodian: 'RetailerMSP', status: 'DELIVERED' });
  });

  it('the founders retire it and remove it from the channel by a majority; the network is as it was', async () => {
    const retired = await admit('Manufacturer', 'retire');
    expect(retired.definition).toMatchObject({ sequence: sequenceBefore + 2, committed: false });
    expect(retired.definition.signaturePolicy).toBe(net.topology.chaincode.signaturePolicy);
    await admit('Carrier', 'retire');
    const third = await admit('Retailer', 'retire');
    expect(third.definition).toMatchObject({ committed: true });
    expect(third.governance).toMatchObject({ applied: true, members: FOUNDERS });
    await admit('Authority', 'retire');

    const file = path.join(work, 'remove.update');
    await waybill(['org', 'remove', '--org', 'Manufacturer', '--msp-id', PARTNER.mspId, '--out', file, '--sign']);
    await waybill(['channel', 'sign', file, '--org', 'Carrier']);
    const short = await runWaybill(['channel', 'submit', file, '--org', 'Carrier']);
    expect(short.code).toBe(1);
    expect(short.stderr).toContain('needs 1 more admin signature(s) of AuthorityMSP, ForwarderMSP, RetailerMSP');
    await waybill(['channel', 'sign', file, '--org', 'Retailer']);
    await waybill(['channel', 'submit', file, '--org', 'Retailer']);
    reversed = true;
    expect(await channelOrgs()).toEqual(FOUNDERS);
    const c = JSON.parse(await waybill(['chaincode', 'querycommitted', '--org', 'Carrier'])) as { sequence: number; approvals: Record<string, boolean> };
    expect(c).toEqual({ sequence: sequenceBefore + 2, version: expect.any(String) as unknown, approvals: Object.fromEntries(FOUNDERS.map((m) => [m, true])) });
    // The founders still trade among themselves.
    committed(await call('manufacturer', 'POST', '/v1/assets', { as: 'manufacturer-user1', body: assetBody(uniqueId('after-partner')) }), 201);
    expect(JSON.parse(await asPartner(['down'])) as { stopped: string[] }).toEqual({
      stopped: ['api.forwarder', 'chaincode.forwarder', 'peer0.forwarder', 'ca.forwarder'],
    });
  });
});
