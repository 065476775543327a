import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { resolveNetwork } from '../../infra/src/local/context';
import { connectAs as connectGateway, type GatewaySession } from '../../infra/src/local/gateway-client';
import { apiEnv } from '../../infra/src/local/apis';
import { LocalNetwork } from '../../infra/src/local/network';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const env = require('./env') as { dir: string; basePort: string; root: string; cli: string; profile: string; chaincodeArgs: string[] };

/** The end-to-end network as the infra sees it (same topology, test directory and ports). */
export function testNetwork(): LocalNetwork {
  return new LocalNetwork(resolveNetwork({ dir: env.dir, basePort: Number(env.basePort) }), () => undefined);
}

/**
 * The environment `stack up` runs an organisation's gateway with (profile, database, personal-data
 * KEK…), for the gateway's admin command in tests; `orgKey` as in file names (`manufacturer`).
 */
export function gatewayEnv(orgKey: string): NodeJS.ProcessEnv {
  const net = testNetwork();
  const org = net.topology.peerOrgs.find((o) => o.key === orgKey);
  if (!org) throw new Error(`no organisation ${orgKey} in the topology`);
  return apiEnv(net, org);
}

/** A Fabric Gateway session as one identity of an organisation on the e2e network. */
export function connectAs(org: string, identityId: string, peerIndex = 0): GatewaySession {
  return connectGateway(testNetwork(), org, identityId, peerIndex);
}

const utf8 = new TextDecoder();
export function json<T>(bytes: Uint8Array): T {
  return JSON.parse(utf8.decode(bytes)) as T;
}

/** A fresh identifier for assets created by a test. */
export function uniqueId(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}

export { sampleAssetInput } from '../../infra/src/local/gateway-client';
export { env };

/** What a run of the `waybill` CLI printed and how it exited. */
export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

const execFileAsync = promisify(execFile);

/**
 * Runs the built `waybill` CLI against the e2e network (or another `dir`/`basePort`); never throws,
 * so tests can assert on exit codes and output.
 */
export async function runWaybill(
  args: readonly string[],
  opts: {
    readonly dir?: string;
    readonly basePort?: string;
    readonly timeoutMs?: number;
    readonly env?: NodeJS.ProcessEnv;
  } = {},
): Promise<CliResult> {
  try {
    const { stdout, stderr } = await execFileAsync(
      process.execPath,
      [env.cli, ...args, '--dir', opts.dir ?? env.dir, '--base-port', opts.basePort ?? env.basePort],
      { cwd: env.root, timeout: opts.timeoutMs ?? 300_000, env: opts.env ?? process.env },
    );
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

/** {@link runWaybill} for steps that must succeed: throws with the CLI's stderr otherwise. */
export async function waybill(
  args: readonly string[],
  opts: Parameters<typeof runWaybill>[1] = {},
): Promise<string> {
  const r = await runWaybill(args, opts);
  if (r.code !== 0) throw new Error(`waybill ${args.join(' ')} exited ${r.code}: ${r.stderr.trim()}`);
  return r.stdout;
}
