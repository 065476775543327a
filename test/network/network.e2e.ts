import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fetchConfigBlock } from '../../infra/src/fabric/channel-config';
import { adminIdentity, ordererEndpoint } from '../../infra/src/local/endpoints';
import { stopProcess } from '../../infra/src/local/processes';
import { summariseConfigBlock } from '../support/channel-config';
import { connectAs, json, sampleAssetInput, testNetwork, uniqueId, waybill } from '../support/fabric';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { refusedCalls } = require('../support/admin-free-bin') as { refusedCalls: (dir: string) => string[] };

interface Asset {
  id: string;
  owner: string;
  custodian: string;
  status: string;
  quantity: { amount: number; unit: string };
}

function createInput(id: string): string {
  return sampleAssetInput(id, {
    product: { sku: 'SKU-E2E-1', description: 'Pallet of canned tomatoes' },
    quantity: { amount: 120, unit: 'case' },
    attributes: { lot: 'L-2026-11' },
  });
}

describe('local Fabric network', () => {
  const net = testNetwork();

  it('runs every waybill command without the admin tools: no peer CLI, osnadmin or fabric-ca-client', async () => {
    // Global setup gave the whole run a FABRIC_BIN with no osnadmin or fabric-ca-client and a
    // `peer` that refuses anything but `peer node start`; the stack (CAs, identities, channel,
    // joins, chaincode deploy) is up, so none of them was needed. A fresh deploy round again:
    const bin = process.env['FABRIC_BIN'] ?? '';
    expect(readdirSync(bin).sort()).toEqual(['configtxgen', 'fabric-ca-server', 'orderer', 'peer']);
    const deployed = JSON.parse(await waybill(['chaincode', 'deploy', '--mode', 'ccaas'])) as { changed: boolean };
    expect(deployed.changed).toBe(false);
    const org = net.topology.peerOrgs[0];
    if (!org) throw new Error('no organisation');
    const committed = JSON.parse(await waybill(['chaincode', 'querycommitted', '--org', org.name])) as unknown;
    expect(committed).toMatchObject({ approvals: Object.fromEntries(net.topology.peerOrgs.map((o) => [o.mspId, true])) });
    const config = JSON.parse(await waybill(['channel', 'config', 'show', '--org', org.name])) as {
      channel_group: { groups: { Application: { groups: Record<string, { values: { AnchorPeers?: { value: unknown } } }> } } };
    };
    // Anchor peers were set by configuration updates, each signed by its organisation's admin.
    for (const o of net.topology.peerOrgs) {
      expect(config.channel_group.groups.Application.groups[o.mspId]?.values.AnchorPeers?.value).toEqual([{ host: 'localhost', port: o.peers[0]?.port }]);
    }
    const ids = JSON.parse(await waybill(['identity', 'list', '--org', org.name])) as { id: string }[];
    expect(ids.map((i) => i.id)).toEqual(expect.arrayContaining(org.users.map((u) => u.id)));
    expect(refusedCalls(bin)).toEqual([]);
  });

  it('commits through one organisation and reads the result through another', async () => {
    const maker = connectAs('Manufacturer', 'manufacturer-user1');
    const carrier = connectAs('Carrier', 'carrier-user1');
    try {
      const id = uniqueId('net');
      const created = json<Asset>(await maker.contract.submitTransaction('createAsset', createInput(id)));
      expect(created).toMatchObject({ id, owner: 'ManufacturerMSP', custodian: 'ManufacturerMSP', status: 'CREATED' });
      const read = json<Asset>(await carrier.contract.evaluateTransaction('getAsset', id));
      expect(read).toMatchObject({ id, owner: 'ManufacturerMSP', quantity: { amount: 120, unit: 'case' } });
    } finally {
      maker.close();
      carrier.close();
    }
  });

  it('has a channel with four member organisations (three trading, one oversight) and three Raft orderers', async () => {
    const work = mkdtempSync(path.join(os.tmpdir(), 'waybill-e2e-'));
    try {
      const file = path.join(work, 'config.block');
      const peer = net.topology.peers[0];
      if (!peer) throw new Error('no peer');
      // Fetched from an orderer in TypeScript (Deliver service), as the Manufacturer admin.
      const org = net.topology.peerOrgs[0];
      if (!org) throw new Error('no organisation');
      const block = await fetchConfigBlock(adminIdentity(net, org), ordererEndpoint(net), net.topology.channel);
      writeFileSync(file, block.serializeBinary());
      const summary = summariseConfigBlock(file);
      expect(summary).toEqual({
        applicationOrgs: ['AuthorityMSP', 'CarrierMSP', 'ManufacturerMSP', 'RetailerMSP'],
        ordererOrgs: ['OrdererMSP'],
        consensusType: 'etcdraft',
        consenters: net.topology.orderers.map((o) => ({ host: 'localhost', port: o.port })),
      });
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });

  it('keeps committing with one orderer stopped, and the orderer catches up when restarted', async () => {
    const victim = net.topology.orderers[1];
    if (!victim) throw new Error('no orderer');
    expect(await stopProcess(net.layout.pidFile(victim.name))).toBe(true);
    const maker = connectAs('Manufacturer', 'manufacturer-user1');
    try {
      // If the stopped orderer led the Raft cluster, submits are refused until the two others
      // elect a new leader (about 2 s on the dev tick); a client retries meanwhile.
      const deadline = Date.now() + 20_000;
      let first: Asset | undefined;
      const firstId = uniqueId('raft');
      while (!first) {
        try {
          first = json<Asset>(await maker.contract.submitTransaction('createAsset', createInput(firstId)));
        } catch (err) {
          if (Date.now() > deadline) throw err;
          await sleep(250);
        }
      }
      expect(first.id).toBe(firstId);
      for (let i = 0; i < 3; i++) {
        const id = uniqueId('raft');
        const created = json<Asset>(await maker.contract.submitTransaction('createAsset', createInput(id)));
        expect(created.id).toBe(id);
      }
    } finally {
      maker.close();
    }
    const statusDown = await net.status();
    expect(statusDown.nodes.find((n) => n.name === victim.name)).toMatchObject({ running: false });

    const { started } = await net.up();
    expect(started).toEqual([victim.name]);
    // The restarted orderer replicates the blocks it missed.
    const others = net.topology.orderers.filter((o) => o.name !== victim.name);
    const target = Math.max(...(await Promise.all(others.map(async (o) => (await net.ordererChannelInfo(o))?.height ?? 0))));
    let height = 0;
    for (let i = 0; i < 100 && height < target; i++) {
      // The admin endpoint opens a moment after the health endpoint.
      height = (await net.ordererChannelInfo(victim).catch(() => undefined))?.height ?? 0;
      if (height < target) await sleep(200);
    }
    expect(height).toBeGreaterThanOrEqual(target);
  });
});
