import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fabricSampleConfig } from '../local/binaries';
import { PROJECT_ROOT } from '../local/context';
import type { Lockfile } from '../lifecycle/runtime-lock';

/** The project's real topology file. */
export const REAL_TOPOLOGY = path.join(PROJECT_ROOT, 'network', 'topology.yaml');

/**
 * Base port for tests that resolve a network: far from the dev (7000) and e2e (27000) networks,
 * and nothing here ever starts a node on it.
 */
export const TEST_BASE_PORT = 45000;

/** A small valid topology (as parsed from YAML) to derive broken variants from. */
export function validRawTopology(): Record<string, unknown> {
  return {
    name: 'mini',
    basePort: 20000,
    channel: 'minichannel',
    ordering: {
      type: 'etcdraft',
      batchTimeout: '250ms',
      maxMessageCount: 10,
      absoluteMaxBytes: '1 MB',
      preferredMaxBytes: '512 KB',
    },
    chaincode: { name: 'mini', signaturePolicy: "OR('AlphaMSP.peer','BetaMSP.peer')" },
    organizations: [
      { name: 'Ord', mspId: 'OrdMSP', domain: 'ord.test', orderers: ['o0'] },
      {
        name: 'Alpha',
        mspId: 'AlphaMSP',
        domain: 'alpha.test',
        peers: ['peer0', 'peer1'],
        failoverPeers: ['peer9'],
        users: [{ id: 'alpha-user', role: 'manufacturer' }],
      },
      { name: 'Beta', mspId: 'BetaMSP', domain: 'beta.test', peers: ['peer0'] },
    ],
  };
}

/**
 * Fabric's sample configuration (core.yaml, orderer.yaml), located the way `network up` does it
 * (FABRIC_CFG_SAMPLE, else the Go module cache). Throws a clear error when it is missing, so a
 * test that needs it fails instead of being skipped.
 */
export async function sampleConfigDir(): Promise<string> {
  let dir: string;
  try {
    dir = await fabricSampleConfig();
  } catch (err) {
    throw new Error(
      `Fabric sampleconfig is unavailable (${(err as Error).message}); set FABRIC_CFG_SAMPLE to a folder holding core.yaml and orderer.yaml`,
    );
  }
  for (const f of ['core.yaml', 'orderer.yaml']) {
    if (!existsSync(path.join(dir, f))) {
      throw new Error(
        `Fabric sampleconfig at ${dir} lacks ${f}; set FABRIC_CFG_SAMPLE to a folder holding core.yaml and orderer.yaml`,
      );
    }
  }
  return dir;
}

/** Files of a fake compiled chaincode, relative to its directory. */
export type ChaincodeFiles = Record<string, string>;

/** The package.json of the fake chaincode. */
export const FAKE_CHAINCODE_PACKAGE = {
  name: '@waybill/chaincode',
  version: '1.2.3',
  main: 'dist/index.js',
  scripts: { build: 'tsc -b', test: 'jest' },
  dependencies: { 'fabric-contract-api': '^2.5.0', 'fabric-shim': '^2.5.0' },
  devDependencies: { typescript: '^5.0.0', jest: '^30.0.0' },
};

/**
 * A monorepo lockfile holding the fake chaincode as workspace `chaincode`: one dependency nested
 * in the workspace, one hoisted with a dependency of its own, and a dev-only package that a
 * runtime lock must leave out.
 */
export function fakeMonorepoLock(): Lockfile {
  return {
    name: 'mono',
    lockfileVersion: 3,
    requires: true,
    packages: {
      '': { name: 'mono', workspaces: ['chaincode'] },
      chaincode: {
        name: '@waybill/chaincode',
        version: '1.2.3',
        dependencies: { 'fabric-contract-api': '^2.5.0', 'fabric-shim': '^2.5.0' },
        devDependencies: { typescript: '^5.0.0' },
      },
      'chaincode/node_modules/fabric-shim': {
        version: '2.5.1',
        integrity: 'sha512-shim',
        dependencies: { winston: '^3.0.0' },
      },
      'node_modules/@waybill/chaincode': { resolved: 'chaincode', link: true },
      'node_modules/fabric-contract-api': {
        version: '2.5.8',
        integrity: 'sha512-api',
        dependencies: { winston: '^3.0.0' },
      },
      'node_modules/winston': { version: '3.17.0', integrity: 'sha512-winston', license: 'MIT' },
      'node_modules/typescript': { version: '5.9.3', integrity: 'sha512-ts', dev: true },
    },
  };
}

/**
 * Writes a fake built chaincode (dist/ and package.json) into `dir`: runtime files plus the
 * build by-products a package must leave out (maps, declarations, specs, test helpers).
 */
export function writeFakeChaincode(dir: string, overrides: ChaincodeFiles = {}): string {
  const files: ChaincodeFiles = {
    'package.json': `${JSON.stringify(FAKE_CHAINCODE_PACKAGE, null, 2)}\n`,
    'dist/index.js': "'use strict';\nexports.contracts = [require('./contracts/waybill').WaybillContract];\n",
    'dist/contracts/waybill.js': "'use strict';\nexports.WaybillContract = class WaybillContract {};\n",
    'dist/index.js.map': '{"version":3}',
    'dist/index.d.ts': 'export declare const contracts: unknown[];\n',
    'dist/contracts/waybill.spec.js': "'use strict';\n",
    'dist/testing/stub.js': "'use strict';\n",
    'dist/.tsbuildinfo': '{}',
    ...overrides,
  };
  for (const [rel, text] of Object.entries(files)) {
    const file = path.join(dir, rel);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, text);
  }
  return dir;
}
