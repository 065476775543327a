import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import { CliError } from '../common/errors';
import { validRawTopology } from '../testing/fixtures';
import { TmpDirs } from '../testing/tmp';
import { resolveNetwork } from '../local/context';
import { LocalNetwork } from '../local/network';
import { systemdUnits, type UnitFile } from './systemd';

const tmp = new TmpDirs();
afterAll(() => tmp.cleanup());

const BIN = { fabric: '/opt/fabric/bin', peer: '/opt/fabric/bin' };
const PACKAGE = 'waybill_1.0:0123abcd';

/** A three-host topology; the network as host `h2`'s directory sees it. */
function hostNetwork(host = 'h2'): LocalNetwork {
  const dir = tmp.make();
  const raw = validRawTopology();
  const orgs = raw['organizations'] as Record<string, unknown>[];
  const file = path.join(dir, 'topology.yaml');
  writeFileSync(
    file,
    stringify({
      ...raw,
      hosts: [
        { name: 'h1', address: '10.9.0.1' },
        { name: 'h2', address: '10.9.0.2' },
        { name: 'h3', address: '10.9.0.3' },
      ],
      organizations: [
        { ...orgs[0], host: 'h1', orderers: ['o0', { name: 'o1', host: 'h2' }, { name: 'o2', host: 'h3' }] },
        { ...orgs[1], host: 'h2' },
        { ...orgs[2], host: 'h3' },
      ],
    }),
  );
  const net = new LocalNetwork(resolveNetwork({ dir: path.join(dir, 'host'), topologyFile: file, host }), () => undefined);
  // The public TLS root a chaincode server's client bundle is made from (host init writes it).
  for (const org of net.topology.orgs) {
    mkdirSync(path.dirname(net.layout.orgTlsCa(org)), { recursive: true });
    writeFileSync(net.layout.orgTlsCa(org), `-----BEGIN CERTIFICATE-----\n${org.key}\n-----END CERTIFICATE-----\n`);
  }
  for (const s of net.topology.chaincodeServers) mkdirSync(net.layout.nodeTls(s), { recursive: true });
  return net;
}

function units(net: LocalNetwork): Map<string, string> {
  if (!net.share) throw new Error('no host');
  return new Map(systemdUnits(net, net.share, BIN, PACKAGE).map((u: UnitFile) => [u.name, u.text]));
}

/** `Environment=` lines of a unit as a record. */
function envOf(text: string): Record<string, string> {
  return Object.fromEntries(
    text
      .split('\n')
      .filter((l) => l.startsWith('Environment='))
      .map((l) => l.slice('Environment='.length).replace(/^"|"$/g, ''))
      .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
  );
}

describe('systemd units of one host', () => {
  it("writes one unit per node of the host (CA, orderer, peers, chaincode server, API) and a target wanting them, nothing of other hosts", () => {
    const all = units(hostNetwork('h2'));
    expect([...all.keys()].sort()).toEqual(
      [
        'waybill-api.alpha.service',
        'waybill-ca.alpha.service',
        'waybill-chaincode.alpha.service',
        'waybill-h2.target',
        'waybill-o1.service',
        'waybill-peer0.alpha.service',
        'waybill-peer1.alpha.service',
      ].sort(),
    );
    const target = all.get('waybill-h2.target') ?? '';
    expect(target).toContain('Wants=waybill-ca.alpha.service waybill-o1.service waybill-peer0.alpha.service waybill-peer1.alpha.service waybill-chaincode.alpha.service waybill-api.alpha.service');
    expect(target).toContain('WantedBy=multi-user.target');
    // h1 runs the ordering organisation's CA and o0, and no peer.
    expect([...units(hostNetwork('h1')).keys()].sort()).toEqual(['waybill-ca.ord.service', 'waybill-h1.target', 'waybill-o0.service']);
  });

  it("starts a peer as the launcher does: its binary, its folder, its organisation's chaincode server on the host's address", () => {
    const net = hostNetwork();
    const peer = net.topology.peers.find((p) => p.name === 'peer0.alpha');
    if (!peer) throw new Error('no peer');
    const text = units(net).get('waybill-peer0.alpha.service') ?? '';
    expect(text).toContain('ExecStart=/opt/fabric/bin/peer node start');
    expect(text).toContain(`WorkingDirectory=${net.layout.nodeDir(peer)}`);
    expect(text).toContain('After=network-online.target waybill-chaincode.alpha.service');
    expect(text).toContain('PartOf=waybill-h2.target');
    expect(text).toContain(`StandardOutput=append:${net.layout.logFile('peer0.alpha')}`);
    const server = net.topology.chaincodeServers.find((s) => s.org === 'Alpha');
    expect(envOf(text)).toMatchObject({
      FABRIC_CFG_PATH: net.layout.nodeDir(peer),
      WAYBILL_PEER_TLS_DIR: net.layout.nodeTls(peer),
      WAYBILL_CCAAS_ADDRESS: `10.9.0.2:${server?.port}`,
    });
  });

  it('starts the CA on the host address without its bootstrap secret, the orderer from its folder', () => {
    const net = hostNetwork();
    const all = units(net);
    const ca = all.get('waybill-ca.alpha.service') ?? '';
    expect(ca).toContain('ExecStart=/opt/fabric/bin/fabric-ca-server start');
    expect(ca).toMatch(/--address 10\.9\.0\.2 /);
    expect(ca).toMatch(/--csr\.hosts h2,10\.9\.0\.2 /);
    expect(ca).not.toContain('FABRIC_CA_SERVER_BOOT');
    expect(envOf(ca)['FABRIC_CA_SERVER_REGISTRY_MAXENROLLMENTS']).toBe('2');
    const o1 = net.topology.orderers.find((o) => o.name === 'o1');
    expect(all.get('waybill-o1.service')).toContain(`Environment=FABRIC_CFG_PATH=${o1 ? net.layout.nodeDir(o1) : ''}`);
  });

  it("runs the chaincode server of the package on the host's address and the API with its own profile, port and key file", () => {
    const net = hostNetwork();
    const all = units(net);
    const cc = all.get('waybill-chaincode.alpha.service') ?? '';
    const server = net.topology.chaincodeServers.find((s) => s.org === 'Alpha');
    expect(cc).toContain(`--chaincode-address 10.9.0.2:${server?.port}`);
    expect(cc).toContain(`--chaincode-id ${PACKAGE.replace('%', '%%')}`);
    expect(envOf(cc)['CORE_PEER_LOCALMSPID']).toBe('AlphaMSP');
    const api = all.get('waybill-api.alpha.service') ?? '';
    const org = net.topology.orgs.find((o) => o.name === 'Alpha');
    expect(envOf(api)).toMatchObject({ HOST: '10.9.0.2', PORT: String(org?.apiPort), WAYBILL_PROFILE: org ? net.layout.profile(org) : '' });
    expect(envOf(api)['WAYBILL_PD_KEK_FILE']).toMatch(/pd-kek-alpha\.b64$/);
    expect(api).toContain('After=network-online.target waybill-peer0.alpha.service waybill-peer1.alpha.service');
    // Only file paths: no key or secret value in any unit.
    for (const text of all.values()) expect(text).not.toMatch(/PRIVATE KEY|WAYBILL_PD_KEK=|admin:/);
  });

  it('needs a package for the chaincode server units', () => {
    const net = hostNetwork();
    if (!net.share) throw new Error('no host');
    const share = net.share;
    expect(() => systemdUnits(net, share, BIN, undefined)).toThrow(CliError);
    expect(() => systemdUnits(net, share, BIN, undefined)).toThrow(/no chaincode package is known on this host/);
  });
});
