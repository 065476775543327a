import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../local/context';
import type { LocalNetwork } from '../local/network';
import { portInUse, runningPid, startProcess, stopProcess, waitHealthy } from '../local/processes';

export const CHAINCODE_DIR = path.join(PROJECT_ROOT, 'chaincode');
export const SERVER_NAME = 'chaincode';

/** Where the peers reach the chaincode server (the name its TLS certificate carries). */
export function serverAddress(net: LocalNetwork): string {
  return `localhost:${net.topology.chaincodeServer.port}`;
}

/**
 * Starts (or restarts) the chaincode-as-a-service process: fabric-shim's server mode with mutual
 * TLS (its certificate from the ordering organisation's CA; clients must be peers of a member
 * organisation).
 */
export async function startChaincodeServer(net: LocalNetwork, packageId: string): Promise<number> {
  const layout = net.layout;
  const pidFile = layout.pidFile(SERVER_NAME);
  await stopProcess(pidFile, 3000);
  const tls = layout.nodeTls({ name: SERVER_NAME });
  const bundle = path.join(tls, 'client-ca-bundle.pem');
  writeFileSync(bundle, net.topology.peerOrgs.map((o) => readFileSync(layout.orgTlsCa(o), 'utf8')).join(''));
  const port = net.topology.chaincodeServer.port;
  const log = layout.logFile(SERVER_NAME);
  const pid = startProcess({
    name: SERVER_NAME,
    command: process.execPath,
    args: [
      path.join(PROJECT_ROOT, 'node_modules', 'fabric-shim', 'cli.js'),
      'server',
      '--chaincode-address',
      `127.0.0.1:${port}`,
      '--chaincode-id',
      packageId,
      '--module-path',
      CHAINCODE_DIR,
      '--chaincode-tls-cert-file',
      path.join(tls, 'server.crt'),
      '--chaincode-tls-key-file',
      path.join(tls, 'server.key'),
      '--chaincode-tls-client-cacert-file',
      bundle,
    ],
    env: { ...process.env, CORE_CHAINCODE_LOGGING_LEVEL: 'info' },
    cwd: CHAINCODE_DIR,
    logFile: log,
    pidFile,
  });
  await waitHealthy(SERVER_NAME, pidFile, log, () => portInUse(port), 30_000);
  return pid;
}

export function chaincodeServerRunning(net: LocalNetwork): boolean {
  return runningPid(net.layout.pidFile(SERVER_NAME)) !== undefined;
}
