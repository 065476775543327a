import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { binDir } from '../../infra/src/local/binaries';
import { env } from './fabric';

/**
 * moto in server mode as the AWS Managed Blockchain control plane of the AMB suites: installed
 * (pinned, into .tools/moto) by scripts/moto.sh, started on a loopback port by the suite that
 * needs it, adjusted by test/support/moto/amb_server.py (see its header for every change), and
 * stopped by that suite. No AWS account or network is involved.
 */
export interface MotoServer {
  readonly url: string;
  readonly port: number;
  readonly log: string;
  stop(): Promise<void>;
}

/** Port of the AMB control plane: the e2e base port + 1090 (27000 → 28090 in `npm test`). */
export function motoPort(): number {
  return Number(process.env['WAYBILL_MOTO_PORT'] ?? Number(env.basePort) + 1090);
}

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });
}

/** Installs moto when missing, starts it and waits until it answers; throws with its log otherwise. */
export async function startMoto(
  opts: {
    readonly closedAccounts?: readonly string[];
    readonly createSeconds?: number;
    readonly caEndpoint?: string;
  } = {},
): Promise<MotoServer> {
  const python = execFileSync('bash', [path.join(env.root, 'scripts', 'moto.sh'), 'ensure'], {
    cwd: env.root,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    timeout: 10 * 60 * 1000,
  }).trim();
  const port = motoPort();
  if (await listening(port)) throw new Error(`port ${port} for moto is already in use (WAYBILL_MOTO_PORT)`);
  const log = path.join(os.tmpdir(), `waybill-moto-${port}.log`);
  const out = openSync(log, 'w');
  const child: ChildProcess = spawn(
    python,
    [path.join(env.root, 'test', 'support', 'moto', 'amb_server.py'), String(port)],
    {
      cwd: env.root,
      stdio: ['ignore', out, out],
      env: {
        PATH: process.env['PATH'] ?? '',
        HOME: process.env['HOME'] ?? os.tmpdir(),
        WAYBILL_MOTO_CREATE_SECONDS: String(opts.createSeconds ?? 1),
        WAYBILL_MOTO_CLOSED_ACCOUNTS: (opts.closedAccounts ?? []).join(','),
        WAYBILL_MOTO_CA_ENDPOINT: opts.caEndpoint ?? '',
      },
    },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  };
  const deadline = Date.now() + 60_000;
  while (!(await listening(port))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`moto did not start on port ${port}; see ${log}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return { url: `http://127.0.0.1:${port}`, port, log, stop };
}

/**
 * The environment of a `waybill aws` run as one AWS account against moto: the SDK's own variables
 * only (endpoint override, region, an access key whose last 12 digits name the account).
 */
export function awsEnv(moto: MotoServer, account: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const base: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!k.startsWith('AWS_') && !k.startsWith('WAYBILL_')) base[k] = v;
  }
  return {
    ...base,
    AWS_ENDPOINT_URL_MANAGEDBLOCKCHAIN: moto.url,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: `AKIAWBT0${account}`,
    AWS_SECRET_ACCESS_KEY: 'moto-test-secret',
    // No shared config/credentials file of the machine may leak into the test.
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    WAYBILL_AWS_POLL_MS: '150',
    NO_COLOR: '1',
    ...extra,
  };
}

/**
 * A real Fabric CA standing in for an AMB member CA (TLS on, loopback, port e2e base + 1091; its
 * root certificate plays the region's TLS chain file), its
 * registrar `admin` with the given password as AMB creates it from CreateMember's AdminPassword.
 */
export async function startMemberCa(
  password: string,
): Promise<{ endpoint: string; tlsCert: string; stop(): Promise<void> }> {
  const port = Number(env.basePort) + 1091;
  if (await listening(port)) throw new Error(`port ${port} for the member CA is already in use`);
  const home = mkdtempSync(path.join(os.tmpdir(), 'waybill-member-ca-'));
  const out = openSync(path.join(home, 'server.log'), 'w');
  const child = spawn(
    path.join(binDir(env.root), 'fabric-ca-server'),
    [
      'start',
      '--home',
      home,
      '-b',
      `admin:${password}`,
      '--port',
      String(port),
      '--address',
      '127.0.0.1',
      '--tls.enabled',
      '--csr.hosts',
      'localhost,127.0.0.1',
      '--operations.listenaddress',
      `127.0.0.1:${port + 1}`,
    ],
    { cwd: home, stdio: ['ignore', out, out] },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
    rmSync(home, { recursive: true, force: true });
  };
  const deadline = Date.now() + 60_000;
  while (!(await listening(port)) || !existsSync(path.join(home, 'ca-cert.pem'))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`fabric-ca-server did not start on port ${port}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return { endpoint: `localhost:${port}`, tlsCert: path.join(home, 'ca-cert.pem'), stop };
}
