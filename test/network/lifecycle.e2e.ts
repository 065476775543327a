import { deployChaincode, readDeployState } from '../../infra/src/lifecycle/deploy';
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

const waybill = (args: string[], dir = env.dir): Promise<CliResult> => runWaybill(args, { dir });

function createInput(id: string): string {
  return sampleAssetInput(id, { product: { sku: 'SKU-LC', description: 'Lifecycle test lot' } });
}

describe('chaincode lifecycle on the real network', () => {
  const net = testNetwork();

  it('runs the chaincode as a standard Node package built by the peers, then as a service again', async () => {
    const before = readDeployState(net);
    expect(before).toMatchObject({ mode: 'ccaas' });
    const pkg = await deployChaincode(net, 'package', () => undefined);
    expect(pkg).toMatchObject({ mode: 'package', changed: true, sequence: (before?.sequence ?? 0) + 1 });
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
      'ca.carrier',
      'ca.manufacturer',
      'ca.orderer',
      'ca.retailer',
      'orderer0',
      'orderer1',
      'orderer2',
      'peer0.carrier',
      'peer0.manufacturer',
      'peer0.retailer',
    ]);
    for (const n of core)
      expect(n).toMatchObject({ running: true, healthy: true, pid: expect.any(Number) as number });
  });

  it('`network up` on a running network reports what runs and starts nothing', async () => {
    const r = await waybill(['network', 'up']);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/already running: ca\.orderer, .*peer0\.retailer/);
  });

  it('refuses to start a second network on ports in use, naming them', async () => {
    const r = await waybill(['network', 'up'], `${env.dir}-clash`);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^waybill: port check: port\(s\) already in use: ca\.carrier \(\d+\)/);
  });
});
