import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { CliError } from '../common/errors';
import { PROJECT_ROOT, readSettings, resolveNetwork, settingsFile } from './context';
import { Layout } from '../topology/layout';
import { REAL_TOPOLOGY, TEST_BASE_PORT } from '../testing/fixtures';
import { TmpDirs } from '../testing/tmp';

const tmp = new TmpDirs();
afterAll(() => tmp.cleanup());

describe('resolveNetwork', () => {
  it('uses explicit options first and writes nothing', () => {
    const dir = tmp.make();
    const ctx = resolveNetwork({
      dir,
      basePort: TEST_BASE_PORT,
      topologyFile: REAL_TOPOLOGY,
      failover: true,
    });
    expect(ctx.settings).toEqual({ basePort: TEST_BASE_PORT, failover: true, topologyFile: REAL_TOPOLOGY });
    expect(ctx.layout.root).toBe(dir);
    expect(ctx.topology.basePort).toBe(TEST_BASE_PORT);
    expect(ctx.topology.peers.map((p) => p.name)).toContain('peer1.manufacturer');
    expect(readdirSync(dir)).toEqual([]);
  });

  it('falls back to what `up` saved in the runtime directory', () => {
    const dir = tmp.make();
    writeFileSync(
      settingsFile(new Layout(dir)),
      JSON.stringify({ basePort: 46000, failover: false, topologyFile: REAL_TOPOLOGY }),
    );
    const ctx = resolveNetwork({ dir });
    expect(ctx.settings).toEqual({ basePort: 46000, failover: false, topologyFile: REAL_TOPOLOGY });
    expect(ctx.topology.cas[0]).toMatchObject({ name: 'ca.orderer', port: 46000 });
    expect(resolveNetwork({ dir, basePort: TEST_BASE_PORT }).topology.basePort).toBe(TEST_BASE_PORT);
  });

  it('defaults to the topology file and its base port', () => {
    const ctx = resolveNetwork({ dir: tmp.make(), topologyFile: REAL_TOPOLOGY });
    expect(ctx.settings).toEqual({ basePort: 7000, failover: false, topologyFile: REAL_TOPOLOGY });
    expect(path.dirname(path.dirname(ctx.settings.topologyFile))).toBe(PROJECT_ROOT);
  });

  it('reports a corrupt settings file with the way out', () => {
    const dir = tmp.make();
    const layout = new Layout(dir);
    writeFileSync(settingsFile(layout), '{not json');
    expect(() => readSettings(layout)).toThrow(
      new CliError(`${path.join(dir, 'settings.json')} is corrupt; run \`waybill network clean\``),
    );
    expect(() => resolveNetwork({ dir })).toThrow(CliError);
  });

  it('has no settings for a directory that was never brought up', () => {
    const dir = path.join(tmp.make(), 'never');
    expect(readSettings(new Layout(dir))).toBeUndefined();
    expect(existsSync(dir)).toBe(false);
  });
});

describe('Layout', () => {
  it('keeps everything of a network under its root', () => {
    const base = tmp.make();
    mkdirSync(path.join(base, 'sub'));
    const layout = new Layout(path.relative(process.cwd(), path.join(base, 'sub')));
    const root = path.join(base, 'sub');
    const ctx = resolveNetwork({ dir: root, basePort: TEST_BASE_PORT, topologyFile: REAL_TOPOLOGY });
    const org = ctx.topology.peerOrgs[0]!;
    const peer = ctx.topology.peers[0]!;
    const ca = ctx.topology.cas[1]!;
    expect({
      root: layout.root,
      state: layout.stateFile,
      genesis: layout.genesisBlock,
      chaincode: layout.chaincodeDir,
      profiles: layout.profilesDir,
      caHome: layout.caHome(ca),
      caCert: layout.caCert(ca),
      registrar: layout.registrarHome(org),
      orgMsp: layout.orgMsp(org),
      orgTlsCa: layout.orgTlsCa(org),
      adminMsp: layout.adminMsp(org),
      nodeMsp: layout.nodeMsp(peer),
      nodeTls: layout.nodeTls(peer),
      log: layout.logFile(peer.name),
      pid: layout.pidFile(peer.name),
      profile: layout.profile(org),
    }).toEqual({
      root,
      state: `${root}/state.json`,
      genesis: `${root}/channel/genesis.block`,
      chaincode: `${root}/chaincode`,
      profiles: `${root}/gateway`,
      caHome: `${root}/ca/manufacturer`,
      caCert: `${root}/ca/manufacturer/ca-cert.pem`,
      registrar: `${root}/orgs/manufacturer/registrar`,
      orgMsp: `${root}/orgs/manufacturer/msp`,
      orgTlsCa: `${root}/orgs/manufacturer/msp/tlscacerts/ca.pem`,
      adminMsp: `${root}/orgs/manufacturer/users/manufacturer-admin/msp`,
      nodeMsp: `${root}/nodes/peer0.manufacturer/msp`,
      nodeTls: `${root}/nodes/peer0.manufacturer/tls`,
      log: `${root}/logs/peer0.manufacturer.log`,
      pid: `${root}/run/peer0.manufacturer.pid`,
      profile: `${root}/gateway/manufacturer.json`,
    });
  });
});
