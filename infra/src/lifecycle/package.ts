import { createHash } from 'node:crypto';
import { cpSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { CliError } from '../common/errors';
import { runToolForBytes } from '../common/run-tool';
import { workspaceRuntimeLock, type Lockfile } from './runtime-lock';

export type DeployMode = 'ccaas' | 'package';
export const DEPLOY_MODES: readonly DeployMode[] = ['ccaas', 'package'];

export interface ChaincodePackage {
  readonly file: string;
  readonly label: string;
  /** `label:sha256(package)`, as the peer computes it. */
  readonly packageId: string;
  /** Short hash of the compiled chaincode; the definition's version. */
  readonly codeHash: string;
}

/**
 * A deterministic tar.gz of a directory: sorted names, zero times and owners, gzip without a
 * timestamp, so that the same input always gives the same package ID.
 */
export async function tarGz(dir: string): Promise<Buffer> {
  // Regular files only, no directory entries: the peer refuses anything else in a package.
  const files: string[] = [];
  const walk = (rel: string): void => {
    for (const name of readdirSync(path.join(dir, rel)).sort()) {
      const r = rel ? `${rel}/${name}` : name;
      if (statSync(path.join(dir, r)).isDirectory()) walk(r);
      else files.push(r);
    }
  };
  walk('');
  const tar = await runToolForBytes(
    'tar',
    ['--mtime=@0', '--owner=0', '--group=0', '--numeric-owner', '--format=gnu', '--no-recursion', '-C', dir, '-cf', '-', ...files],
    { maxBuffer: 256 * 1024 * 1024, timeoutMs: 0, failure: `packing ${dir} with tar` },
  );
  return gzipSync(tar, { level: 6 });
}

/**
 * Whether a file of the compiled chaincode goes into a package: not test helpers (dist/testing/
 * itself, not any folder named testing above the chaincode), specs, declarations, maps or build info.
 */
function isPackaged(dist: string, file: string): boolean {
  return (
    !file.endsWith('.tsbuildinfo') &&
    !file.endsWith('.map') &&
    !file.endsWith('.d.ts') &&
    !/\.spec\.js$/.test(file) &&
    !path.relative(dist, file).split(path.sep).includes('testing')
  );
}

/**
 * Hash of what a package holds of the compiled chaincode (see {@link isPackaged}) and its
 * package.json: editing a test helper or a declaration is not a new chaincode.
 */
export function hashChaincode(chaincodeDir: string): string {
  const h = createHash('sha256');
  const dist = path.join(chaincodeDir, 'dist');
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const p = path.join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (isPackaged(dist, p)) {
        h.update(path.relative(chaincodeDir, p));
        h.update(readFileSync(p));
      }
    }
  };
  try {
    walk(dist);
  } catch {
    throw new CliError(`${dist} is missing: build the chaincode first (npm run build)`);
  }
  h.update(readFileSync(path.join(chaincodeDir, 'package.json')));
  return h.digest('hex').slice(0, 12);
}

async function assemble(outFile: string, label: string, type: string, fill: (codeDir: string) => void): Promise<ChaincodePackage> {
  const work = mkdtempSync(path.join(os.tmpdir(), 'waybill-pkg-'));
  try {
    const code = path.join(work, 'code');
    const outer = path.join(work, 'outer');
    mkdirSync(code);
    mkdirSync(outer);
    fill(code);
    writeFileSync(path.join(outer, 'code.tar.gz'), await tarGz(code));
    writeFileSync(path.join(outer, 'metadata.json'), JSON.stringify({ label, path: '', type }));
    const bytes = await tarGz(outer);
    mkdirSync(path.dirname(outFile), { recursive: true });
    writeFileSync(outFile, bytes);
    const packageId = `${label}:${createHash('sha256').update(bytes).digest('hex')}`;
    return { file: outFile, label, packageId, codeHash: label.split('_').pop() ?? '' };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/**
 * Chaincode as a service: the package holds only where the chaincode server listens. The label
 * carries the compiled code's hash so that a changed chaincode is a new package (new sequence).
 */
export function packageCcaas(chaincodeDir: string, outDir: string, address: string): Promise<ChaincodePackage> {
  const hash = hashChaincode(chaincodeDir);
  const label = `waybill_ccaas_${hash}`;
  return assemble(path.join(outDir, `${label}.tar.gz`), label, 'ccaas', (code) => {
    writeFileSync(
      path.join(code, 'connection.json'),
      JSON.stringify({ address, dial_timeout: '10s', tls_required: true }),
    );
  });
}

/** Where the versions a Node package installs come from. */
export interface RuntimeLockSource {
  /** The monorepo's package-lock.json. */
  readonly lockFile: string;
  /** The chaincode's workspace folder, relative to the lockfile (e.g. `chaincode`). */
  readonly workspace: string;
}

/**
 * A standard Node chaincode package, as `peer lifecycle chaincode package --lang node` lays it
 * out (sources under src/): compiled JavaScript, a package.json with only runtime dependencies
 * and a `start` script (what AWS Managed Blockchain's node builder runs), and a package-lock.json
 * cut from the monorepo's lock, so that every peer's `npm ci` installs the versions the tests ran.
 *
 * @throws {CliError} when the chaincode is not built or its dependencies are not in the lock.
 */
export async function packageNode(chaincodeDir: string, outDir: string, lockSource: RuntimeLockSource): Promise<ChaincodePackage> {
  const hash = hashChaincode(chaincodeDir);
  const label = `waybill_node_${hash}`;
  const pkg = JSON.parse(readFileSync(path.join(chaincodeDir, 'package.json'), 'utf8')) as {
    name: string;
    version: string;
    main?: string;
    dependencies?: Record<string, string>;
  };
  const name = pkg.name.replace(/^@[^/]+\//, '');
  const dependencies = pkg.dependencies ?? {};
  let monorepoLock: Lockfile;
  try {
    monorepoLock = JSON.parse(readFileSync(lockSource.lockFile, 'utf8')) as Lockfile;
  } catch (err) {
    throw new CliError(`cannot read ${lockSource.lockFile}: ${(err as Error).message}`);
  }
  const lock = workspaceRuntimeLock(monorepoLock, lockSource.workspace, { name, version: pkg.version, dependencies });
  return await assemble(path.join(outDir, `${label}.tar.gz`), label, 'node', (code) => {
    const src = path.join(code, 'src');
    mkdirSync(src);
    const dist = path.join(chaincodeDir, 'dist');
    cpSync(dist, path.join(src, 'dist'), { recursive: true, filter: (f) => isPackaged(dist, f) });
    writeFileSync(
      path.join(src, 'package.json'),
      `${JSON.stringify(
        {
          name,
          version: pkg.version,
          private: true,
          main: pkg.main ?? 'dist/index.js',
          scripts: { start: 'fabric-chaincode-node start' },
          engines: { node: '>=18' },
          dependencies,
        },
        null,
        2,
      )}\n`,
    );
    writeFileSync(path.join(src, 'package-lock.json'), `${JSON.stringify(lock, null, 2)}\n`);
  });
}

/** Which Fabric line's peers a package is built for. */
export type ChaincodeTarget = 'fabric-2.5' | 'fabric-2.2';
export const CHAINCODE_TARGETS: readonly ChaincodeTarget[] = ['fabric-2.5', 'fabric-2.2'];

/** What {@link packageFabric22} packs, built by scripts/build-fabric-2.2.sh. */
export interface Fabric22Build {
  /** chaincode/fabric-2.2: package.json, package-lock.json and the compiled dist/. */
  readonly buildDir: string;
  /** Production node_modules installed by Node 12's npm from that lockfile. */
  readonly nodeModules: string;
}

/** Whether a file of node_modules goes into a package: regular files, not npm's `.bin` links. */
function isBundled(file: string): boolean {
  return !file.split(path.sep).includes('.bin') && !lstatSync(file).isSymbolicLink();
}

/**
 * A Node chaincode package for Fabric 2.2 peers (AWS Managed Blockchain: Node 12, no internet):
 * the contract compiled for Node 12 against fabric-contract-api 2.2 with its production
 * `node_modules` bundled, a package.json without a lockfile (the 2.2 node builder runs `npm ci`
 * when it finds one, which empties node_modules and needs the registry; without one its
 * `npm install --production` finds every dependency installed and fetches nothing) and
 * `fabric-line.json` telling the contract it runs on the 2.2 line (see chaincode's fabric-line.ts).
 * The label carries a hash of the compiled code, package.json and lockfile.
 */
export async function packageFabric22(build: Fabric22Build, outDir: string): Promise<ChaincodePackage> {
  const h = createHash('sha256');
  h.update(hashChaincode(build.buildDir));
  h.update(readFileSync(path.join(build.buildDir, 'package-lock.json')));
  const hash = h.digest('hex').slice(0, 12);
  const label = `waybill_node22_${hash}`;
  const pkg = JSON.parse(readFileSync(path.join(build.buildDir, 'package.json'), 'utf8')) as {
    name: string;
    version: string;
    main?: string;
    engines?: Record<string, string>;
    dependencies?: Record<string, string>;
  };
  return await assemble(path.join(outDir, `${label}.tar.gz`), label, 'node', (code) => {
    const src = path.join(code, 'src');
    mkdirSync(src);
    const dist = path.join(build.buildDir, 'dist');
    cpSync(dist, path.join(src, 'dist'), { recursive: true, filter: (f) => isPackaged(dist, f) });
    cpSync(build.nodeModules, path.join(src, 'node_modules'), { recursive: true, filter: isBundled });
    writeFileSync(
      path.join(src, 'package.json'),
      `${JSON.stringify(
        {
          name: pkg.name,
          version: pkg.version,
          private: true,
          main: pkg.main ?? 'dist/index.js',
          // fabric-shim's CLI by its path: npm's .bin links are not in the package.
          scripts: { start: 'node node_modules/fabric-shim/cli.js start' },
          engines: pkg.engines ?? {},
          dependencies: pkg.dependencies ?? {},
        },
        null,
        2,
      )}\n`,
    );
    writeFileSync(path.join(src, 'fabric-line.json'), `${JSON.stringify({ line: '2.2' })}\n`);
  });
}
