import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from './local/context';
import { buildCli, cliEnv, runCli, type CliResult } from './testing/cli';
import { TEST_BASE_PORT } from './testing/fixtures';
import { TmpDirs } from './testing/tmp';

/**
 * The real `waybill` binary (infra/dist/cli.js, rebuilt first). Every command runs against a fresh
 * temporary network directory and base port 45000, so none of them can reach the dev or e2e network.
 */
const tmp = new TmpDirs();
let env: NodeJS.ProcessEnv;
let dir: string;

beforeAll(() => buildCli(), 180_000);
beforeEach(() => {
  dir = tmp.make('waybill-cli-');
  env = cliEnv(dir);
});
afterAll(() => tmp.cleanup());

const B = TEST_BASE_PORT;

function waybill(args: readonly string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return runCli(args, { ...env, ...extraEnv });
}

// Every case spawns the CLI (a Node start each, several per case): on a loaded two-core machine a
// case takes seconds, far from Jest's 5 s default.
jest.setTimeout(60_000);

describe('waybill CLI', () => {
  it('--help prints the usage and the commands, exit 0', async () => {
    const r = await waybill(['--help']);
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
    expect(r.stdout).toMatch(/^Usage: waybill \[options\] \[command\]\n/);
    for (const cmd of ['network', 'chaincode', 'stack', 'identity', 'doctor'])
      expect(r.stdout).toMatch(new RegExp(`^  ${cmd}\\b`, 'm'));
  });

  it('identity enroll takes its secret only from a file, stdin or the environment: none given is one line, exit 1', async () => {
    await expect(waybill(['identity', 'enroll', 'bob', '--org', 'Carrier', '--dir', dir])).resolves.toEqual({
      code: 1,
      stdout: '',
      stderr:
        'waybill: no enrolment secret: give --secret-file FILE, --secret-stdin, or WAYBILL_ENROLL_SECRET\n',
    });
    const r = await waybill([
      'identity',
      'register',
      'bob',
      '--org',
      'Carrier',
      '--role',
      'pilot',
      '--secret-out',
      path.join(dir, 's'),
      '--dir',
      dir,
    ]);
    expect({ code: r.code, stderr: r.stderr }).toEqual({
      code: 1,
      stderr:
        "error: option '--role <role>' argument 'pilot' is invalid. Allowed choices are manufacturer, carrier, retailer, regulator, auditor, admin.\n",
    });
  });

  it('chaincode approve needs --org, --version and --sequence; a bad sequence is refused before any call', async () => {
    const r = await waybill([
      'chaincode',
      'approve',
      '--org',
      'Carrier',
      '--version',
      'v1',
      '--sequence',
      '0',
      '--dir',
      dir,
    ]);
    expect({ code: r.code, stderr: r.stderr }).toEqual({
      code: 1,
      stderr: `error: option '--sequence <n>' argument '0' is invalid. "0" is not a positive integer\n`,
    });
    const c = await waybill([
      'chaincode',
      'calculatepackageid',
      path.join(PROJECT_ROOT, 'infra', 'src', 'lifecycle', 'golden', 'golden_1.tar.gz'),
    ]);
    expect(c).toEqual({
      code: 0,
      stdout: 'golden_1:ac0a99ad46e12a3c33d49dd669ffac46c3c5533a84640338659c5aef2fc9e552\n',
      stderr: '',
    });
  });

  it('functions test runs the example handler locally; functions package writes the zip and the rule; bad input is one line, exit 1', async () => {
    const binding = path.join(
      PROJECT_ROOT,
      'examples',
      'functions',
      'accept-trusted-handovers',
      'function.yaml',
    );
    const event = path.join(dir, 'proposal.json');
    writeFileSync(
      event,
      JSON.stringify({
        id: 'tx1:HandoverProposed',
        name: 'HandoverProposed',
        blockNumber: 9,
        txId: 'tx1',
        timestamp: '2026-11-30T10:00:00.000Z',
        assetIds: ['LOT-1'],
        payload: { assetId: 'LOT-1', from: 'RetailerMSP', to: 'CarrierMSP', actorOrg: 'RetailerMSP' },
      }),
    );
    const r = await waybill(['functions', 'test', binding, '--event', event]);
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
    expect(JSON.parse(r.stdout)).toEqual({
      function: 'accept-trusted-handovers',
      outcome: 'ok',
      result: { action: 'ignored', reason: 'untrusted shipper', assetId: 'LOT-1', from: 'RetailerMSP' },
    });
    const out = path.join(dir, 'pkg');
    const p = await waybill(['functions', 'package', binding, '--out', out]);
    expect(p.code).toBe(0);
    expect(readdirSync(out).sort()).toEqual([
      'accept-trusted-handovers.eventbridge.json',
      'accept-trusted-handovers.zip',
    ]);
    const missing = await waybill(['functions', 'test', path.join(dir, 'nope.yaml'), '--event', event]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(
      /^waybill functions: .*nope\.yaml: cannot be read as YAML: ENOENT[^\n]*\n$/,
    );
    const noEvent = await waybill(['functions', 'test', binding]);
    expect(noEvent.code).not.toBe(0);
    expect(noEvent.stderr).toMatch(/--event/);
  });

  it('an unknown command is an error line (and the help hint), exit 1', async () => {
    await expect(waybill(['frobnicate'])).resolves.toEqual({
      code: 1,
      stdout: '',
      stderr: `error: unknown command 'frobnicate'\n`,
    });
  });

  it('network up --base-port 80 is refused before anything starts', async () => {
    await expect(waybill(['network', 'up', '--base-port', '80', '--dir', dir])).resolves.toEqual({
      code: 1,
      stdout: '',
      stderr: `error: option '--base-port <port>' argument '80' is invalid. "80" is not a port between 1024 and 60000\n`,
    });
    expect(readdirSync(dir)).toEqual([]);
  });

  it('a bad WAYBILL_BASE_PORT is refused, naming the variable', async () => {
    await expect(waybill(['network', 'status', '--dir', dir], { WAYBILL_BASE_PORT: 'abc' })).resolves.toEqual(
      {
        code: 1,
        stdout: '',
        stderr: `error: option '--base-port <port>' value 'abc' from env 'WAYBILL_BASE_PORT' is invalid. "abc" is not a port between 1024 and 60000\n`,
      },
    );
  });

  it('chaincode deploy --mode docker names the allowed modes', async () => {
    await expect(
      waybill(['chaincode', 'deploy', '--mode', 'docker', '--dir', dir, '--base-port', String(B)]),
    ).resolves.toEqual({
      code: 1,
      stdout: '',
      stderr: `error: option '--mode <mode>' argument 'docker' is invalid. Allowed choices are ccaas, package.\n`,
    });
  });

  it('chaincode deploy on a network that is not up says to run network up', async () => {
    await expect(waybill(['chaincode', 'deploy', '--dir', dir, '--base-port', String(B)])).resolves.toEqual({
      code: 1,
      stdout: '',
      stderr: 'waybill: chaincode deploy: the network is not up: run `waybill network up` first\n',
    });
    expect(readdirSync(dir)).toEqual([]);
  });

  it('network status --json on a never-started network lists every node as not running', async () => {
    const r = await waybill(['network', 'status', '--json', '--dir', dir, '--base-port', String(B)]);
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
    const node = (name: string, kind: string, org: string, port: number): Record<string, unknown> => ({
      name,
      kind,
      org,
      pid: null,
      running: false,
      endpoint: `localhost:${port}`,
      healthy: false,
    });
    expect(JSON.parse(r.stdout)).toEqual({
      dir,
      basePort: B,
      channel: 'supplychain',
      channelHeight: null,
      nodes: [
        node('ca.orderer', 'ca', 'Orderer', B),
        node('ca.manufacturer', 'ca', 'Manufacturer', B + 10),
        node('ca.carrier', 'ca', 'Carrier', B + 20),
        node('ca.retailer', 'ca', 'Retailer', B + 30),
        node('ca.authority', 'ca', 'Authority', B + 40),
        node('orderer0', 'orderer', 'Orderer', B + 50),
        node('orderer1', 'orderer', 'Orderer', B + 60),
        node('orderer2', 'orderer', 'Orderer', B + 70),
        node('peer0.manufacturer', 'peer', 'Manufacturer', B + 80),
        node('peer0.carrier', 'peer', 'Carrier', B + 100),
        node('peer0.retailer', 'peer', 'Retailer', B + 110),
        node('peer0.authority', 'peer', 'Authority', B + 120),
      ],
    });
    expect(readdirSync(dir)).toEqual([]);
  });

  it('network status as text shows every node stopped and the height unknown', async () => {
    const r = await waybill(['network', 'status', '--dir', dir], { WAYBILL_BASE_PORT: String(B) });
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe(`network ${dir} (base port ${B}), channel supplychain height unknown`);
    expect(lines[1]).toMatch(/^NODE\s+KIND\s+PID\s+ENDPOINT\s+STATE$/);
    expect(lines.slice(2).map((l) => l.split(/\s+/))).toEqual([
      ['ca.orderer', 'ca', '-', `localhost:${B}`, 'stopped'],
      ['ca.manufacturer', 'ca', '-', `localhost:${B + 10}`, 'stopped'],
      ['ca.carrier', 'ca', '-', `localhost:${B + 20}`, 'stopped'],
      ['ca.retailer', 'ca', '-', `localhost:${B + 30}`, 'stopped'],
      ['ca.authority', 'ca', '-', `localhost:${B + 40}`, 'stopped'],
      ['orderer0', 'orderer', '-', `localhost:${B + 50}`, 'stopped'],
      ['orderer1', 'orderer', '-', `localhost:${B + 60}`, 'stopped'],
      ['orderer2', 'orderer', '-', `localhost:${B + 70}`, 'stopped'],
      ['peer0.manufacturer', 'peer', '-', `localhost:${B + 80}`, 'stopped'],
      ['peer0.carrier', 'peer', '-', `localhost:${B + 100}`, 'stopped'],
      ['peer0.retailer', 'peer', '-', `localhost:${B + 110}`, 'stopped'],
      ['peer0.authority', 'peer', '-', `localhost:${B + 120}`, 'stopped'],
    ]);
  });

  it('network logs for an unknown node is one error line, exit 1', async () => {
    await expect(
      waybill(['network', 'logs', 'nosuchnode', '--dir', dir, '--base-port', String(B)]),
    ).resolves.toEqual({
      code: 1,
      stdout: '',
      stderr: 'waybill: no log for node "nosuchnode"; known: none (is the network up?)\n',
    });
  });

  it('network logs lists the logs, tails one, and names the known ones', async () => {
    await expect(waybill(['network', 'logs', '--dir', dir, '--base-port', String(B)])).resolves.toEqual({
      code: 0,
      stdout: 'no logs yet\n',
      stderr: '',
    });
    mkdirSync(path.join(dir, 'logs'));
    const log = path.join(dir, 'logs', 'orderer1.log');
    writeFileSync(log, 'one\ntwo\nthree\n');
    await expect(
      waybill(['network', 'logs', 'orderer1', '-n', '2', '--dir', dir, '--base-port', String(B)]),
    ).resolves.toEqual({
      code: 0,
      stdout: `last 2 lines of ${log}:\ntwo\nthree\n`,
      stderr: '',
    });
    await expect(waybill(['network', 'logs', '--dir', dir, '--base-port', String(B)])).resolves.toEqual({
      code: 0,
      stdout: `${log}\n`,
      stderr: '',
    });
    await expect(
      waybill(['network', 'logs', 'peer9', '--dir', dir, '--base-port', String(B)]),
    ).resolves.toEqual({
      code: 1,
      stdout: '',
      stderr: 'waybill: no log for node "peer9"; known: orderer1\n',
    });
  });

  it('network logs -n 0 is refused', async () => {
    await expect(waybill(['network', 'logs', 'orderer1', '-n', '0', '--dir', dir])).resolves.toEqual({
      code: 1,
      stdout: '',
      stderr: `error: option '-n, --lines <n>' argument '0' is invalid. "0" is not a positive integer\n`,
    });
  });

  it('a corrupt settings file is one error line with the way out', async () => {
    writeFileSync(path.join(dir, 'settings.json'), '{oops');
    await expect(waybill(['network', 'status', '--dir', dir])).resolves.toEqual({
      code: 1,
      stdout: '',
      stderr: `waybill: ${path.join(dir, 'settings.json')} is corrupt; run \`waybill network clean\`\n`,
    });
  });

  it('a broken topology file lists its problems on one line', async () => {
    const topo = path.join(dir, 'bad.yaml');
    writeFileSync(topo, 'name: x\nbasePort: 1\n');
    const r = await waybill(['network', 'status', '--dir', dir, '--topology', topo]);
    expect({ code: r.code, stdout: r.stdout, lines: r.stderr.trimEnd().split('\n').length }).toEqual({
      code: 1,
      stdout: '',
      lines: 1,
    });
    expect(r.stderr).toMatch(
      /^waybill: invalid topology: bad\.yaml\.basePort must be an integer between 1024 and 60000; /,
    );
  });

  it('doctor --json reports node, go and every pinned binary of the project cache', async () => {
    const r = await waybill(['doctor', '--json']);
    const { go, ...report } = JSON.parse(r.stdout) as { go: unknown };
    const fabricBin = path.join(PROJECT_ROOT, '.fabric', 'bin');
    // Whatever is present in the cache must be the pinned release; exit 0 only when all are.
    const bin = (name: string, wanted: string): Record<string, unknown> => {
      const present = existsSync(path.join(fabricBin, name));
      return { name, present, version: present ? wanted : null, wanted, ok: present };
    };
    const binaries = [
      bin('peer', '2.5.9'),
      bin('orderer', '2.5.9'),
      bin('configtxgen', '2.5.9'),
      bin('fabric-ca-server', '1.5.21'),
    ];
    expect({ code: r.code, stderr: r.stderr }).toEqual({
      code: binaries.every((b) => b['ok']) ? 0 : 1,
      stderr: '',
    });
    expect(report).toEqual({
      node: process.versions.node,
      nodeOk: true,
      fabricBin,
      fabricBinSource: 'project cache (.fabric/bin)',
      pinned: { fabric: '2.5.9', fabricCa: '1.5.21' },
      binaries,
      expiringCertificates: [],
    });
    expect(go === null || (typeof go === 'string' && /^\d+\.\d+(\.\d+)?$/.test(go))).toBe(true);
  });

  it('doctor --json with FABRIC_BIN pointing at an empty folder reports every binary missing, exit 1', async () => {
    const empty = tmp.make();
    const r = await waybill(['doctor', '--json'], { FABRIC_BIN: empty });
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 1, stderr: '' });
    expect(JSON.parse(r.stdout)).toMatchObject({
      fabricBin: empty,
      fabricBinSource: 'FABRIC_BIN',
      binaries: ['peer', 'orderer', 'configtxgen', 'fabric-ca-server'].map((name) => ({
        name,
        present: false,
        version: null,
        ok: false,
      })),
    });
  });
});
