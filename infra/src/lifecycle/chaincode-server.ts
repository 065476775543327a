import { setTimeout as sleep } from 'node:timers/promises';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { CliError } from '../common/errors';
import { PROJECT_ROOT } from '../local/context';
import type { Layout } from '../topology/layout';
import type { LocalNetwork } from '../local/network';
import { portInUse, runningPid, startProcess, stopProcess, waitHealthy } from '../local/processes';
import type { Launch } from '../local/node-processes';
import type { ChaincodeServerNode, Org, PeerNode } from '../topology/topology';

export const CHAINCODE_DIR = path.join(PROJECT_ROOT, 'chaincode');
/** Loaded into every chaincode server: it accepts TLS clients whose certificate says OU=peer only. */
export const PEER_ONLY = path.join(PROJECT_ROOT, 'infra', 'builders', 'ccaas', 'peer-only.js');

/**
 * Address written into the ccaas package. Each peer replaces it with its own organisation's
 * server (`WAYBILL_CCAAS_ADDRESS`, see infra/builders/ccaas/bin/release), so one package ID serves
 * every organisation while each runs its own process; this one is only the fallback.
 */
export function serverAddress(net: LocalNetwork): string {
  const first = net.topology.chaincodeServers[0];
  if (!first) throw new CliError('the topology has no peer organisation to run a chaincode server for');
  return `${first.host.endpoint}:${first.port}`;
}

/** The chaincode server of a peer's organisation. */
export function serverOf(net: LocalNetwork, peer: Pick<PeerNode, 'org'>): ChaincodeServerNode {
  const server = net.topology.chaincodeServers.find((s) => s.org === peer.org);
  if (!server) throw new CliError(`organisation ${peer.org} has no chaincode server`);
  return server;
}

function orgOf(net: LocalNetwork, server: ChaincodeServerNode): Org {
  const org = net.topology.peerOrgs.find((o) => o.name === server.org);
  if (!org) throw new CliError(`unknown organisation ${server.org}`);
  return org;
}

/**
 * Starts (or restarts) every organisation's chaincode-as-a-service process: fabric-shim's server
 * mode with mutual TLS. Each runs with its organisation's MSP id (`CORE_PEER_LOCALMSPID`, so the
 * chaincode's own-peer checks hold), trusts only its own organisation's TLS root, and accepts only
 * certificates issued to peers (OU=peer), never users'.
 * @param modulePath - the chaincode to serve (a test may give one organisation a modified copy).
 */
export async function startChaincodeServers(net: LocalNetwork, packageId: string, modulePath = CHAINCODE_DIR): Promise<number[]> {
  return Promise.all((net.share?.chaincodeServers ?? net.topology.chaincodeServers).map((s) => startChaincodeServer(net, s, packageId, modulePath)));
}

/** Starts (or restarts) one organisation's chaincode server; see {@link startChaincodeServers}. */
export async function startChaincodeServer(
  net: LocalNetwork,
  server: ChaincodeServerNode,
  packageId: string,
  modulePath = CHAINCODE_DIR,
): Promise<number> {
  return startChaincodeProcess({
    layout: net.layout,
    server,
    tlsRootCert: net.layout.orgTlsCa(orgOf(net, server)),
    packageId,
    modulePath,
    peerRelease: net.topology.traits.peerRelease,
  });
}

/** What one chaincode server needs: its node, its organisation's TLS root, the package it serves. */
export interface ChaincodeProcessSpec {
  readonly layout: Layout;
  readonly server: ChaincodeServerNode;
  /** The organisation's TLS root: only its peers (OU=peer) may connect. */
  readonly tlsRootCert: string;
  readonly packageId: string;
  readonly modulePath?: string;
  readonly peerRelease: '2.5' | '2.2';
}

/**
 * Starts (or restarts) a chaincode server from its own organisation's material only: a founder's
 * (via {@link startChaincodeServer}) or a partner's from its own data directory.
 */
export async function startChaincodeProcess(spec: ChaincodeProcessSpec): Promise<number> {
  const { layout, server } = spec;
  const pidFile = layout.pidFile(server.name);
  await stopProcess(pidFile, 3000);
  // The readiness probe below is "the port accepts connections": it must not be answered by the
  // server being replaced, whose socket can outlive its PID file by a moment.
  const freeBy = Date.now() + 10_000;
  while (await portInUse(server.port, server.host.address)) {
    if (Date.now() > freeBy)
      throw new CliError(`port ${server.port} of ${server.name} is still in use by another process`, {
        step: `chaincode server ${server.name}`,
      });
    await sleep(50);
  }
  const launch = chaincodeLaunch(spec);
  const log = layout.logFile(server.name);
  const pid = startProcess({
    name: server.name,
    command: launch.command,
    args: launch.args,
    env: { ...process.env, ...launch.env },
    cwd: launch.cwd,
    logFile: log,
    pidFile,
  });
  await waitHealthy(server.name, pidFile, log, () => portInUse(server.port, server.host.address), 30_000);
  return pid;
}

/** How one chaincode server runs (here, or by a systemd unit); writes its client CA bundle. */
export function chaincodeLaunch(spec: ChaincodeProcessSpec): Launch {
  const { layout, server, packageId } = spec;
  const modulePath = spec.modulePath ?? CHAINCODE_DIR;
  const tls = layout.nodeTls(server);
  const bundle = path.join(tls, 'client-ca-bundle.pem');
  writeFileSync(bundle, readFileSync(spec.tlsRootCert, 'utf8'));
  return {
    command: process.execPath,
    args: [
      '--require',
      PEER_ONLY,
      path.join(PROJECT_ROOT, 'node_modules', 'fabric-shim', 'cli.js'),
      'server',
      '--chaincode-address',
      `${server.host.address}:${server.port}`,
      '--chaincode-id',
      packageId,
      '--module-path',
      modulePath,
      '--chaincode-tls-cert-file',
      path.join(tls, 'server.crt'),
      '--chaincode-tls-key-file',
      path.join(tls, 'server.key'),
      '--chaincode-tls-client-cacert-file',
      bundle,
    ],
    env: {
      CORE_CHAINCODE_LOGGING_LEVEL: chaincodeLogLevel(process.env),
      CORE_PEER_LOCALMSPID: server.mspId,
      // The amb profile's peers are Fabric 2.2 with admincerts MSPs: see chaincode fabric-line.ts.
      WAYBILL_FABRIC_LINE: spec.peerRelease,
    },
    cwd: modulePath,
  };
}

const CHAINCODE_LOG_LEVELS = ['critical', 'error', 'warning', 'notice', 'info', 'debug'] as const;

/**
 * The chaincode server's log level: `WAYBILL_CHAINCODE_LOG_LEVEL`, default `info` (fabric-shim's
 * line per transaction). `warning` was measured against `info` (docs/benchmarks.md): no difference
 * in the chaincode's CPU per transaction beyond the noise, so the default stays.
 */
export function chaincodeLogLevel(env: NodeJS.ProcessEnv): string {
  const raw = env['WAYBILL_CHAINCODE_LOG_LEVEL'];
  if (raw === undefined || raw === '') return 'info';
  if (!(CHAINCODE_LOG_LEVELS as readonly string[]).includes(raw))
    throw new CliError(`WAYBILL_CHAINCODE_LOG_LEVEL must be one of ${CHAINCODE_LOG_LEVELS.join(', ')}, got "${raw}"`);
  return raw;
}

export function chaincodeServerRunning(net: LocalNetwork): boolean {
  return (net.share?.chaincodeServers ?? net.topology.chaincodeServers).every((s) => runningPid(net.layout.pidFile(s.name)) !== undefined);
}
