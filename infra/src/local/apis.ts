import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { CliError } from '../common/errors';
import { commandOutput, runTool } from '../common/run-tool';
import { PROJECT_ROOT } from './context';
import type { LocalNetwork } from './network';
import { isSelfConnection, portInUse, runningPid, startProcess, stopProcess, waitHealthy } from './processes';
import type { Layout } from '../topology/layout';
import type { Org, ProfileTraits } from '../topology/topology';
import type { Progress } from '../common/progress';
const GATEWAY = path.join(PROJECT_ROOT, 'gateway-api', 'dist');

export interface ApiEndpoint {
  readonly org: string;
  readonly url: string;
  readonly keysFile: string;
}

export function apiName(org: Org): string {
  return `api.${org.key}`;
}

/**
 * The environment one organisation's gateway runs with: its own profile, port, database and
 * personal-data key-encryption key.
 */
export function apiEnv(net: LocalNetwork, org: Org): NodeJS.ProcessEnv {
  return apiEnvOf(net, org);
}

/** Where an organisation's gateway API finds its files, and how its peers speak. */
export interface ApiHost {
  readonly layout: Layout;
  readonly topology: { readonly traits: ProfileTraits };
}

/** {@link apiEnv} for any organisation's data directory (a founder's network or a partner's own). */
export function apiEnvOf(net: ApiHost, org: Org): NodeJS.ProcessEnv {
  const { WAYBILL_PD_KEK: _inherited, ...env } = process.env;
  return { ...env, ...apiOwnEnv(net, org, env) };
}

/** The variables that are one organisation's gateway's own (what a systemd unit sets). */
export function apiOwnEnv(net: ApiHost, org: Org, env: NodeJS.ProcessEnv = {}): Record<string, string> {
  return {
    WAYBILL_PROFILE: net.layout.profile(org),
    PORT: String(org.apiPort ?? 0),
    HOST: org.host.address,
    DATABASE_URL: path.join(net.layout.root, 'data', `gateway-${org.key}.sqlite`),
    WAYBILL_PD_KEK_FILE: ensureKek(net, org),
    // Peers without a Gateway service (the amb profile's Fabric 2.2) need the fabric-network
    // adapter; on 2.5 peers the inherited choice stands (either adapter works there).
    WAYBILL_LEDGER_ADAPTER: net.topology.traits.gatewayService
      ? (env['WAYBILL_LEDGER_ADAPTER'] ?? net.topology.traits.ledgerAdapter)
      : net.topology.traits.ledgerAdapter,
  };
}

/**
 * The organisation's key-encryption key of personal data: 32 random bytes (base64), generated
 * once into a 0600 file beside its database. Deleting it makes that gateway refuse to start (its
 * stored personal data could not be opened any more): `network clean` removes both together.
 */
function ensureKek(net: ApiHost, org: Org): string {
  const dir = path.join(net.layout.root, 'data');
  const file = path.join(dir, `pd-kek-${org.key}.b64`);
  if (!existsSync(file)) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    writeFileSync(file, `${randomBytes(32).toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
  }
  return file;
}

function keysFile(net: ApiHost, org: Org): string {
  return path.join(net.layout.profilesDir, `${org.key}-api-keys.json`);
}

/**
 * One API key per identity of the organisation, created once with the gateway's admin command
 * and kept (mode 0600) beside the connection profile for local use.
 */
async function ensureKeys(net: ApiHost, org: Org): Promise<string> {
  const file = keysFile(net, org);
  if (existsSync(file)) return file;
  mkdirSync(path.join(net.layout.root, 'data'), { recursive: true, mode: 0o700 });
  const keys: Record<string, string> = {};
  for (const user of org.users) {
    const { stdout } = await runTool(
      process.execPath,
      [path.join(GATEWAY, 'admin.js'), 'keys', 'create', '--identity', user.id, '--name', `${user.id}-local`, '--json'],
      { env: apiEnvOf(net, org), timeoutMs: 60_000, failure: `creating the API key of ${user.id}`, lines: 1, step: `gateway API ${org.name}` },
    );
    try {
      keys[user.id] = (JSON.parse(stdout) as { key: string }).key;
    } catch (err) {
      throw new CliError(`creating the API key of ${user.id} failed: ${commandOutput(err, 1)}`, { step: `gateway API ${org.name}` });
    }
  }
  writeFileSync(file, `${JSON.stringify({ url: apiUrl(org), keys }, null, 2)}\n`, { mode: 0o600 });
  return file;
}

/** Where an organisation's gateway API answers (`http://localhost:<port>` on the implicit host). */
export function apiUrl(org: Org): string {
  return `http://${org.host.endpoint}:${org.apiPort ?? 0}`;
}

function live(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.get({ host, port, path: '/health/live', timeout: 1000, agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    // Probing before the gateway listens can connect the probe to itself, holding the gateway's
    // port (seen: EADDRINUSE at start); drop such a socket at once.
    req.on('socket', (socket) => socket.once('connect', () => isSelfConnection(socket) && req.destroy()));
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
  });
}

/** Starts one gateway API per peer organisation (idempotent), each holding only its own keys. */
export async function startApis(net: LocalNetwork, progress: Progress): Promise<ApiEndpoint[]> {
  const out: ApiEndpoint[] = [];
  for (const org of net.localPeerOrgs) {
    const api = await startApi(net, org, progress);
    if (api) out.push(api);
  }
  return out;
}

/** Starts one organisation's gateway API from its own data directory (idempotent). */
export async function startApi(net: ApiHost, org: Org, progress: Progress): Promise<ApiEndpoint | undefined> {
  if (org.apiPort === undefined) return undefined;
  const name = apiName(org);
  const file = await ensureKeys(net, org);
  const pidFile = net.layout.pidFile(name);
  if (runningPid(pidFile) === undefined) {
    if (await portInUse(org.apiPort, org.host.address)) {
      throw new CliError(`port ${org.apiPort} of ${name} is already in use`, { step: `gateway API ${org.name}` });
    }
    const log = net.layout.logFile(name);
    startProcess({
      name,
      command: process.execPath,
      args: [path.join(GATEWAY, 'main.js')],
      env: apiEnvOf(net, org),
      cwd: PROJECT_ROOT,
      logFile: log,
      pidFile,
    });
    await waitHealthy(name, pidFile, log, () => live(org.host.address, org.apiPort as number), 60_000);
    progress(`${name} listening on ${apiUrl(org)}`);
  }
  return { org: org.name, url: apiUrl(org), keysFile: file };
}

export async function stopApis(net: LocalNetwork): Promise<void> {
  await Promise.all(net.topology.peerOrgs.map((o) => stopProcess(net.layout.pidFile(apiName(o)))));
}

/** The API keys `startApis` created for an organisation. */
export function readApiKeys(net: ApiHost, org: Org): Record<string, string> {
  return (JSON.parse(readFileSync(keysFile(net, org), 'utf8')) as { keys: Record<string, string> }).keys;
}
