import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { CliError } from '../common/errors';
import { PROJECT_ROOT } from '../local/context';
import type { LocalNetwork } from '../local/network';
import { CHAINCODE_DIR, serverAddress } from './chaincode-server';
import { packageCcaas, packageFabric22, packageNode, type ChaincodePackage, type ChaincodeTarget, type DeployMode } from './package';

const run = promisify(execFile);

/** The build of the contract for Fabric 2.2 peers (Node 12, fabric-contract-api 2.2). */
export const FABRIC22_DIR = path.join(CHAINCODE_DIR, 'fabric-2.2');

/**
 * Compiles the contract for Node 12 and installs its production dependencies with Node 12's npm
 * (scripts/build-fabric-2.2.sh, which provisions Node 12 from the npm registry if needed).
 *
 * @throws {CliError} with the script's last words when it fails.
 */
export async function buildFabric22(): Promise<{ buildDir: string; nodeModules: string }> {
  try {
    const { stdout } = await run('bash', [path.join(PROJECT_ROOT, 'scripts', 'build-fabric-2.2.sh')], {
      cwd: PROJECT_ROOT,
      maxBuffer: 16 * 1024 * 1024,
      timeout: 15 * 60_000,
    });
    const nodeModules = stdout.trim().split('\n').pop() ?? '';
    if (!nodeModules) throw new Error('scripts/build-fabric-2.2.sh printed no node_modules folder');
    return { buildDir: FABRIC22_DIR, nodeModules };
  } catch (err) {
    const e = err as Error & { stderr?: string };
    const last = (e.stderr ?? '').trim().split('\n').filter(Boolean).pop();
    throw new CliError(`the Fabric 2.2 build failed: ${last ?? e.message}`, { step: 'chaincode package' });
  }
}

/**
 * The chaincode package a deploy installs: chaincode as a service, a Node package built by the
 * peers (`npm ci`), or, for `--target fabric-2.2`, a Node 12 package with its node_modules.
 *
 * @throws {CliError} for `--target fabric-2.2` with `--mode ccaas` (a 2.2 package is run by the
 *   peers, as AWS Managed Blockchain's are), or when a build fails.
 */
export async function buildChaincodePackage(net: LocalNetwork, mode: DeployMode, target: ChaincodeTarget): Promise<ChaincodePackage> {
  if (target === 'fabric-2.2') {
    if (mode !== 'package') {
      throw new CliError('--target fabric-2.2 builds a package the peers run: use it with --mode package', { step: 'chaincode package' });
    }
    return packageFabric22(await buildFabric22(), net.layout.chaincodeDir);
  }
  return mode === 'ccaas'
    ? packageCcaas(CHAINCODE_DIR, net.layout.chaincodeDir, serverAddress(net))
    : packageNode(CHAINCODE_DIR, net.layout.chaincodeDir, {
        lockFile: path.join(PROJECT_ROOT, 'package-lock.json'),
        workspace: path.relative(PROJECT_ROOT, CHAINCODE_DIR),
      });
}
