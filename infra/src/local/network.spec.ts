import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ordererEndpoint, peerEndpoint } from './endpoints';
import { CliError } from '../common/errors';
import { resolveNetwork } from './context';
import { LocalNetwork } from './network';
import { isAlive, startProcess } from './processes';
import { REAL_TOPOLOGY, TEST_BASE_PORT } from '../testing/fixtures';
import { TmpDirs } from '../testing/tmp';

/**
 * LocalNetwork's bookkeeping against a temporary runtime directory: no Fabric node is started;
 * PID files point at harmless `sleep` processes.
 */
const tmp = new TmpDirs();
const B = TEST_BASE_PORT;
const said: string[] = [];
let net: LocalNetwork;

function open(): LocalNetwork {
  return new LocalNetwork(
    resolveNetwork({ dir: tmp.make(), basePort: B, topologyFile: REAL_TOPOLOGY }),
    (m) => said.push(m),
  );
}

/** Starts `sleep 30` under a node's PID file. */
function fakeNode(name: string): number {
  return startProcess({
    name,
    command: 'sleep',
    args: ['30'],
    env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin' },
    cwd: net.layout.root,
    logFile: net.layout.logFile(name),
    pidFile: net.layout.pidFile(name),
  });
}

beforeEach(() => {
  net = open();
});
afterEach(async () => {
  await net.down();
});
afterAll(() => tmp.cleanup());

describe('LocalNetwork', () => {
  it('lists its nodes in start order: CAs, orderers, peers', () => {
    expect(net.nodes().map((n) => `${n.kind}:${n.name}`)).toEqual([
      'ca:ca.orderer',
      'ca:ca.manufacturer',
      'ca:ca.carrier',
      'ca:ca.retailer',
      'ca:ca.authority',
      'orderer:orderer0',
      'orderer:orderer1',
      'orderer:orderer2',
      'peer:peer0.manufacturer',
      'peer:peer0.carrier',
      'peer:peer0.retailer',
      'peer:peer0.authority',
    ]);
  });

  it('reports running but unhealthy nodes, the chaincode server and gateway APIs by PID file', async () => {
    const peerPid = fakeNode('peer0.carrier');
    const ordererPid = fakeNode('orderer1');
    const apiPid = fakeNode('api.retailer');
    mkdirSync(net.layout.runDir, { recursive: true });
    writeFileSync(net.layout.pidFile('chaincode.carrier'), '999999999\n');
    const s = await net.status();
    expect(s).toMatchObject({
      dir: net.layout.root,
      basePort: B,
      channel: 'supplychain',
      channelHeight: null,
    });
    expect(s.nodes.filter((n) => n.running || n.kind === 'chaincode' || n.kind === 'api')).toEqual([
      {
        name: 'orderer1',
        kind: 'orderer',
        org: 'Orderer',
        pid: ordererPid,
        running: true,
        endpoint: `localhost:${B + 60}`,
        healthy: false,
      },
      {
        name: 'peer0.carrier',
        kind: 'peer',
        org: 'Carrier',
        pid: peerPid,
        running: true,
        endpoint: `localhost:${B + 100}`,
        healthy: false,
      },
      {
        name: 'chaincode.carrier',
        kind: 'chaincode',
        org: 'Carrier',
        pid: null,
        running: false,
        endpoint: `localhost:${B + 140}`,
        healthy: false,
      },
      {
        name: 'api.retailer',
        kind: 'api',
        org: 'Retailer',
        pid: apiPid,
        running: true,
        endpoint: `http://localhost:${B + 1002}`,
        healthy: true,
      },
    ]);
    expect(s.nodes).toHaveLength(14);
  });

  it('down stops what its PID files name, API and peers first, and then has nothing to stop', async () => {
    const pids = ['api.carrier', 'peer0.manufacturer', 'orderer0', 'ca.orderer'].map((n) => fakeNode(n));
    const stopped = await net.down();
    expect(stopped).toEqual(['api.carrier', 'peer0.manufacturer', 'orderer0', 'ca.orderer']);
    expect(pids.map((p) => isAlive(p))).toEqual([false, false, false, false]);
    await expect(net.down()).resolves.toEqual([]);
  });

  it('clean stops the processes and removes the runtime directory', async () => {
    const pid = fakeNode('peer0.retailer');
    await net.clean();
    expect([isAlive(pid), existsSync(net.layout.root)]).toEqual([false, false]);
  });

  it('writes one gateway profile per peer organisation with only its own identities', () => {
    net.writeGatewayProfiles();
    const file = net.layout.profile(net.topology.peerOrgs[1]!);
    const root = net.layout.root;
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({
      organization: 'Carrier',
      mspId: 'CarrierMSP',
      channel: 'supplychain',
      chaincode: 'waybill',
      peers: [
        {
          name: 'peer0.carrier',
          endpoint: `localhost:${B + 100}`,
          tlsRootCertPath: `${root}/orgs/carrier/msp/tlscacerts/ca.pem`,
          hostnameOverride: 'localhost',
        },
      ],
      identities: ['carrier-user1', 'carrier-admin1'].map((id, i) => ({
        id,
        role: i === 0 ? 'carrier' : 'admin',
        certPath: `${root}/orgs/carrier/users/${id}/msp/signcerts/cert.pem`,
        keyPath: `${root}/orgs/carrier/users/${id}/msp/keystore/key.pem`,
      })),
      organizations: { ManufacturerMSP: 'Manufacturer', CarrierMSP: 'Carrier', RetailerMSP: 'Retailer', AuthorityMSP: 'Authority' },
    });
    expect(existsSync(net.layout.profile(net.topology.ordererOrg))).toBe(false);
  });

  it('tails a node log and names the known logs for an unknown node', () => {
    expect(net.logs(undefined, 10)).toBe('no logs yet');
    mkdirSync(net.layout.logsDir, { recursive: true });
    writeFileSync(net.layout.logFile('orderer2'), 'a\nb\nc\n');
    expect(net.logs('orderer2', 2)).toBe(`last 2 lines of ${net.layout.logFile('orderer2')}:\nb\nc`);
    expect(() => net.logs('peer7', 5)).toThrow(new CliError('no log for node "peer7"; known: orderer2'));
  });

  it('gives the TypeScript admin clients public endpoints: address, TLS root and host name', () => {
    const retailer = net.topology.peerOrgs.find((o) => o.mspId === 'RetailerMSP')!;
    mkdirSync(path.dirname(net.layout.orgTlsCa(retailer)), { recursive: true });
    writeFileSync(net.layout.orgTlsCa(retailer), 'retailer tls root');
    mkdirSync(path.dirname(net.layout.orgTlsCa(net.topology.ordererOrg)), { recursive: true });
    writeFileSync(net.layout.orgTlsCa(net.topology.ordererOrg), 'orderer tls root');
    expect(peerEndpoint(net, net.topology.peers[2]!)).toEqual({
      name: 'peer0.retailer',
      mspId: 'RetailerMSP',
      address: `localhost:${B + 110}`,
      tlsRootCert: Buffer.from('retailer tls root'),
      hostnameOverride: 'localhost',
    });
    expect(ordererEndpoint(net)).toMatchObject({ name: 'orderer0', address: `localhost:${B + 50}`, tlsRootCert: Buffer.from('orderer tls root') });
  });
});
