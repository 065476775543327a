import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { deployChaincode, readDeployState } from '../../infra/src/lifecycle/deploy';
import { stopProcess } from '../../infra/src/local/processes';
import {
  type CliResult,
  connectAs,
  env,
  json,
  sampleAssetInput,
  testNetwork,
  uniqueId,
  runWaybill,
} from '../support/fabric';

const waybill = (args: string[], opts: { env?: NodeJS.ProcessEnv } = {}): Promise<CliResult> =>
  runWaybill(args, { dir: env.dir, ...opts });

function createInput(id: string): string {
  return sampleAssetInput(id, { product: { sku: 'SKU-LC', description: 'Lifecycle test lot' } });
}

/** The sequence committed on the channel (other suites on the shared network, e.g. partner onboarding, move it too). */
async function committedSequence(): Promise<number> {
  const r = await waybill(['chaincode', 'querycommitted', '--org', 'Carrier']);
  expect(r.code).toBe(0);
  return (JSON.parse(r.stdout) as { sequence: number }).sequence;
}

describe('chaincode lifecycle on the real network', () => {
  const net = testNetwork();

  it("stops a package deploy whose builder cannot install on one peer, with npm's reason and nothing committed", async () => {
    const before = readDeployState(net);
    const sequenceBefore = await committedSequence();
    const retailerPid = net.layout.pidFile('peer0.retailer');
    // Restart one peer in an environment whose npm reaches no registry and has no cache.
    expect(await stopProcess(retailerPid)).toBe(true);
    const broken = {
      ...process.env,
      npm_config_registry: 'http://127.0.0.1:9/',
      npm_config_cache: mkdtempSync(path.join(os.tmpdir(), 'waybill-empty-npm-cache-')),
    };
    expect((await waybill(['network', 'up'], { env: broken })).code).toBe(0);
    try {
      const r = await waybill(['chaincode', 'deploy', '--mode', 'package']);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/install on peer0\.retailer failed: npm ci failed \(exit \d+\): .*(ECONNREFUSED|127\.0\.0\.1:9)/);
      // Nothing was approved or committed: the network still runs the chaincode as before.
      expect(readDeployState(net)).toEqual(before);
      expect(await committedSequence()).toBe(sequenceBefore);
    } finally {
      expect(await stopProcess(retailerPid)).toBe(true);
      expect((await waybill(['network', 'up'])).code).toBe(0);
    }
  });

  it('runs the chaincode as a standard Node package built by the peers, then as a service again', async () => {
    const before = readDeployState(net);
    expect(before).toMatchObject({ mode: 'ccaas' });
    const sequenceBefore = await committedSequence();
    const pkg = await deployChaincode(net, 'package', () => undefined);
    expect(pkg).toMatchObject({ mode: 'package', changed: true, sequence: sequenceBefore + 1 });
    expect(pkg.packageId).toMatch(/^waybill_node_[0-9a-f]{12}:[0-9a-f]{64}$/);

    const maker = connectAs('Manufacturer', 'manufacturer-user1');
    const retailer = connectAs('Retailer', 'retailer-user1');
    try {
      const id = uniqueId('pkg');
      await maker.contract.submitTransaction('createAsset', createInput(id));
      expect(json<{ id: string }>(await retailer.contract.evaluateTransaction('getAsset', id))).toMatchObject(
        { id },
      );
    } finally {
      maker.close();
      retailer.close();
    }

    const back = await deployChaincode(net, 'ccaas', () => undefined);
    expect(back).toMatchObject({ mode: 'ccaas', changed: true, sequence: pkg.sequence + 1 });
    // Deploying the same chaincode again changes nothing.
    const again = await deployChaincode(net, 'ccaas', () => undefined);
    expect(again).toMatchObject({ changed: false, sequence: back.sequence, packageId: back.packageId });
  });

  it('`network status --json` reports every node healthy and the channel height', async () => {
    const r = await waybill(['network', 'status', '--json']);
    expect(r.code).toBe(0);
    const s = JSON.parse(r.stdout) as {
      channel: string;
      channelHeight: number;
      nodes: { name: string; kind: string; running: boolean; healthy: boolean; pid: number }[];
    };
    expect(s.channel).toBe('supplychain');
    expect(s.channelHeight).toBeGreaterThan(3);
    const core = s.nodes.filter((n) => ['ca', 'orderer', 'peer'].includes(n.kind));
    expect(core.map((n) => n.name).sort()).toEqual([
      'ca.authority',
      'ca.carrier',
      'ca.manufacturer',
      'ca.orderer',
      'ca.retailer',
      'orderer0',
      'orderer1',
      'orderer2',
      'peer0.authority',
      'peer0.carrier',
      'peer0.manufacturer',
      'peer0.retailer',
    ]);
    for (const n of core)
      expect(n).toMatchObject({ running: true, healthy: true, pid: expect.any(Number) as number });
    // One chaincode server per organisation, each running.
    const servers = s.nodes.filter((n) => n.kind === 'chaincode');
    expect(servers.map((n) => n.name).sort()).toEqual([
      'chaincode.authority',
      'chaincode.carrier',
      'chaincode.manufacturer',
      'chaincode.retailer',
    ]);
    for (const n of servers) expect(n).toMatchObject({ running: true, pid: expect.any(Number) as number });
  });

  it('`network up` on a running network reports what runs and starts nothing', async () => {
    const r = await waybill(['network', 'up']);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/already running: ca\.orderer, .*peer0\.retailer/);
  });

  it('refuses to start a second network on ports in use, naming them', async () => {
    const r = await runWaybill(['network', 'up'], { dir: `${env.dir}-clash` });
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^waybill: port check: port\(s\) already in use: ca\.authority \(\d+\)/);
  });
});
