import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { CliError } from '../common/errors';
import {
  DEPLOY_MODES,
  hashChaincode,
  packageCcaas,
  packageFabric22,
  packageNode,
  tarGz,
  type ChaincodePackage,
} from './package';
import { FAKE_CHAINCODE_PACKAGE, fakeMonorepoLock, writeFakeChaincode } from '../testing/fixtures';
import { entryText, readTar, type TarEntry } from '../common/tar';
import { TmpDirs } from '../testing/tmp';

const tmp = new TmpDirs();
afterAll(() => tmp.cleanup());

/** The outer package's entries and the entries of its code.tar.gz. */
function unpack(pkg: ChaincodePackage): { outer: TarEntry[]; metadata: unknown; code: TarEntry[] } {
  const outer = readTar(readFileSync(pkg.file));
  const codeEntry = outer.find((e) => e.name === 'code.tar.gz');
  if (!codeEntry) throw new Error(`${pkg.file} has no code.tar.gz`);
  return { outer, metadata: JSON.parse(entryText(outer, 'metadata.json')), code: readTar(codeEntry.content) };
}

/** Only the shape the peer checks: regular files, root-owned, time zero. */
function shape(entries: readonly TarEntry[]): [string, string, number, number, number][] {
  return entries.map((e) => [e.name, e.type, e.uid, e.gid, e.mtime]);
}

describe('tarGz', () => {
  it('is deterministic: the same tree gives the same bytes whatever the file times', async () => {
    const dir = tmp.make();
    writeFakeChaincode(dir);
    const first = await tarGz(dir);
    utimesSync(path.join(dir, 'dist', 'index.js'), new Date('2001-01-01'), new Date('2001-01-01'));
    const second = await tarGz(dir);
    expect(second.equals(first)).toBe(true);
    // gzip header: no modification time
    expect(first.readUInt32LE(4)).toBe(0);
  });

  it('holds regular files only, sorted, root-owned, dated zero', async () => {
    const dir = tmp.make();
    writeFileSync(path.join(dir, 'b.txt'), 'b');
    mkdirSync(path.join(dir, 'a', 'deep'), { recursive: true });
    writeFileSync(path.join(dir, 'a', 'deep', 'x.txt'), 'x');
    writeFileSync(path.join(dir, 'a', 'y.txt'), 'y');
    mkdirSync(path.join(dir, 'empty'));
    const entries = readTar(await tarGz(dir));
    expect(shape(entries)).toEqual([
      ['a/deep/x.txt', 'file', 0, 0, 0],
      ['a/y.txt', 'file', 0, 0, 0],
      ['b.txt', 'file', 0, 0, 0],
    ]);
    expect(entries.map((e) => e.content.toString())).toEqual(['x', 'y', 'b']);
  });

  it('changes when a file changes', async () => {
    const dir = tmp.make();
    writeFileSync(path.join(dir, 'f'), 'one');
    const before = await tarGz(dir);
    writeFileSync(path.join(dir, 'f'), 'two');
    expect((await tarGz(dir)).equals(before)).toBe(false);
  });
});

describe('hashChaincode', () => {
  it('ignores source maps and build info but not code or package.json', () => {
    const dir = writeFakeChaincode(tmp.make());
    const h = hashChaincode(dir);
    expect(h).toMatch(/^[0-9a-f]{12}$/);
    writeFileSync(path.join(dir, 'dist', 'index.js.map'), '{"changed":true}');
    writeFileSync(path.join(dir, 'dist', '.tsbuildinfo'), '{"changed":true}');
    expect(hashChaincode(dir)).toBe(h);
    writeFileSync(
      path.join(dir, 'package.json'),
      JSON.stringify({ ...FAKE_CHAINCODE_PACKAGE, version: '9.9.9' }),
    );
    expect(hashChaincode(dir)).not.toBe(h);
  });

  it('covers only what a package holds: a test helper, spec or declaration edited is the same chaincode', () => {
    const dir = writeFakeChaincode(tmp.make());
    const h = hashChaincode(dir);
    writeFileSync(path.join(dir, 'dist', 'testing', 'stub.js'), "'use strict';\n// changed\n");
    writeFileSync(path.join(dir, 'dist', 'contracts', 'waybill.spec.js'), "'use strict';\n// changed\n");
    writeFileSync(path.join(dir, 'dist', 'index.d.ts'), '// changed\n');
    expect(hashChaincode(dir)).toBe(h);
    writeFileSync(path.join(dir, 'dist', 'contracts', 'waybill.js'), "'use strict';\n// changed\n");
    expect(hashChaincode(dir)).not.toBe(h);
  });

  it('asks for a build when dist/ is missing', () => {
    const dir = tmp.make();
    writeFileSync(path.join(dir, 'package.json'), '{}');
    expect(() => hashChaincode(dir)).toThrow(
      new CliError(`${path.join(dir, 'dist')} is missing: build the chaincode first (npm run build)`),
    );
  });
});

describe('packageCcaas', () => {
  it('packages metadata.json and code.tar.gz with the server address, labelled with the code hash', async () => {
    const cc = writeFakeChaincode(tmp.make());
    const out = tmp.make();
    const hash = hashChaincode(cc);
    const pkg = await packageCcaas(cc, out, 'localhost:45110');
    const bytes = readFileSync(pkg.file);
    expect(pkg).toEqual({
      file: path.join(out, `waybill_ccaas_${hash}.tar.gz`),
      label: `waybill_ccaas_${hash}`,
      packageId: `waybill_ccaas_${hash}:${createHash('sha256').update(bytes).digest('hex')}`,
      codeHash: hash,
    });
    const { outer, metadata, code } = unpack(pkg);
    expect(shape(outer)).toEqual([
      ['code.tar.gz', 'file', 0, 0, 0],
      ['metadata.json', 'file', 0, 0, 0],
    ]);
    expect(metadata).toEqual({ label: `waybill_ccaas_${hash}`, path: '', type: 'ccaas' });
    expect(shape(code)).toEqual([['connection.json', 'file', 0, 0, 0]]);
    expect(JSON.parse(entryText(code, 'connection.json'))).toEqual({
      address: 'localhost:45110',
      dial_timeout: '10s',
      tls_required: true,
    });
  });

  it('gives the same package ID for the same chaincode and a new one when the code changes', async () => {
    const cc = writeFakeChaincode(tmp.make());
    const a = await packageCcaas(cc, tmp.make(), 'localhost:45110');
    const b = await packageCcaas(cc, tmp.make(), 'localhost:45110');
    expect(b.packageId).toBe(a.packageId);
    expect(readFileSync(b.file).equals(readFileSync(a.file))).toBe(true);

    writeFileSync(
      path.join(cc, 'dist', 'contracts', 'waybill.js'),
      "'use strict';\nexports.WaybillContract = class V2 {};\n",
    );
    const c = await packageCcaas(cc, tmp.make(), 'localhost:45110');
    expect(c.codeHash).not.toBe(a.codeHash);
    expect(c.label).toBe(`waybill_ccaas_${c.codeHash}`);
    expect(c.packageId).not.toBe(a.packageId);
  });
});

/** A fake chaincode at `<dir>/chaincode` beside a monorepo lockfile that holds it. */
function fakeMonorepo(): { cc: string; lock: { lockFile: string; workspace: string } } {
  const dir = tmp.make();
  const lockFile = path.join(dir, 'package-lock.json');
  writeFileSync(lockFile, JSON.stringify(fakeMonorepoLock()));
  return { cc: writeFakeChaincode(path.join(dir, 'chaincode')), lock: { lockFile, workspace: 'chaincode' } };
}

describe('packageNode', () => {
  it('packages the compiled runtime files, a package.json with only runtime dependencies and start, and its lockfile', async () => {
    const { cc, lock } = fakeMonorepo();
    const out = tmp.make();
    const hash = hashChaincode(cc);
    const pkg = await packageNode(cc, out, lock);
    expect(pkg).toMatchObject({
      file: path.join(out, `waybill_node_${hash}.tar.gz`),
      label: `waybill_node_${hash}`,
      codeHash: hash,
    });
    expect(pkg.packageId).toBe(
      `waybill_node_${hash}:${createHash('sha256').update(readFileSync(pkg.file)).digest('hex')}`,
    );

    const { outer, metadata, code } = unpack(pkg);
    expect(outer.map((e) => [e.name, e.type])).toEqual([
      ['code.tar.gz', 'file'],
      ['metadata.json', 'file'],
    ]);
    expect(metadata).toEqual({ label: `waybill_node_${hash}`, path: '', type: 'node' });
    // No maps, declarations, specs, test helpers or build info; no directory entries.
    expect(shape(code)).toEqual([
      ['src/dist/contracts/waybill.js', 'file', 0, 0, 0],
      ['src/dist/index.js', 'file', 0, 0, 0],
      ['src/package-lock.json', 'file', 0, 0, 0],
      ['src/package.json', 'file', 0, 0, 0],
    ]);
    // The lock pins exactly the runtime closure, so `npm ci` on every peer installs the same tree.
    expect(Object.keys((JSON.parse(entryText(code, 'src/package-lock.json')) as { packages: object }).packages)).toEqual([
      '',
      'node_modules/fabric-contract-api',
      'node_modules/fabric-shim',
      'node_modules/winston',
    ]);
    expect(entryText(code, 'src/dist/index.js')).toBe(
      readFileSync(path.join(cc, 'dist', 'index.js'), 'utf8'),
    );
    expect(JSON.parse(entryText(code, 'src/package.json'))).toEqual({
      name: 'chaincode',
      version: '1.2.3',
      private: true,
      main: 'dist/index.js',
      scripts: { start: 'fabric-chaincode-node start' },
      engines: { node: '>=18' },
      dependencies: { 'fabric-contract-api': '^2.5.0', 'fabric-shim': '^2.5.0' },
    });
  });

  it('is deterministic and differs from the ccaas package of the same code', async () => {
    const { cc, lock } = fakeMonorepo();
    const a = await packageNode(cc, tmp.make(), lock);
    const b = await packageNode(cc, tmp.make(), lock);
    expect(b.packageId).toBe(a.packageId);
    const ccaas = await packageCcaas(cc, tmp.make(), 'localhost:45110');
    expect(ccaas.codeHash).toBe(a.codeHash);
    expect(ccaas.packageId).not.toBe(a.packageId);
  });

  it('packages the code even when the chaincode lives under a folder named testing', async () => {
    const dir = path.join(tmp.make(), 'testing');
    mkdirSync(dir);
    writeFileSync(path.join(dir, 'package-lock.json'), JSON.stringify(fakeMonorepoLock()));
    const cc = writeFakeChaincode(path.join(dir, 'chaincode'));
    const lock = { lockFile: path.join(dir, 'package-lock.json'), workspace: 'chaincode' };
    const { code } = unpack(await packageNode(cc, tmp.make(), lock));
    expect(code.map((e) => e.name)).toEqual([
      'src/dist/contracts/waybill.js',
      'src/dist/index.js',
      'src/package-lock.json',
      'src/package.json',
    ]);
  });

  it('refuses to package when the lockfile does not hold the chaincode', async () => {
    const { cc } = fakeMonorepo();
    const missing = { lockFile: path.join(tmp.make(), 'package-lock.json'), workspace: 'chaincode' };
    await expect(packageNode(cc, tmp.make(), missing)).rejects.toThrow(/cannot read .*package-lock\.json/);
    const { lock } = fakeMonorepo();
    await expect(packageNode(cc, tmp.make(), { ...lock, workspace: 'other' })).rejects.toThrow(
      /workspace other is not in the lockfile/,
    );
  });

  it('keeps only the two supported deploy modes', () => {
    expect(DEPLOY_MODES).toEqual(['ccaas', 'package']);
  });
});

describe('packageFabric22', () => {
  /** A build of chaincode/fabric-2.2 and a node_modules as Node 12's npm leaves it (with .bin links). */
  function fakeBuild(lock = '{"lockfileVersion":1}'): { buildDir: string; nodeModules: string } {
    const buildDir = writeFakeChaincode(tmp.make(), {
      'package.json': `${JSON.stringify({ name: 'waybill-chaincode-fabric-2.2', version: '0.1.0', main: 'dist/index.js', engines: { node: '^12.16.1' }, dependencies: { 'fabric-shim': '2.2.3' }, devDependencies: { jest: '27.5.1' } })}\n`,
      'package-lock.json': lock,
    });
    const nodeModules = path.join(tmp.make(), 'node_modules');
    mkdirSync(path.join(nodeModules, 'fabric-shim'), { recursive: true });
    writeFileSync(path.join(nodeModules, 'fabric-shim', 'cli.js'), "'use strict';\n");
    mkdirSync(path.join(nodeModules, '.bin'));
    symlinkSync('../fabric-shim/cli.js', path.join(nodeModules, '.bin', 'fabric-chaincode-node'));
    return { buildDir, nodeModules };
  }

  it('bundles node_modules (regular files only), no lockfile, a start script by path and the 2.2 line', async () => {
    const pkg = await packageFabric22(fakeBuild(), tmp.make());
    const { metadata, code } = unpack(pkg);
    expect(metadata).toEqual({ label: pkg.label, path: '', type: 'node' });
    expect(pkg.label).toMatch(/^waybill_node22_[0-9a-f]{12}$/);
    expect(code.map((e) => e.name)).toEqual([
      'src/dist/contracts/waybill.js',
      'src/dist/index.js',
      'src/fabric-line.json',
      'src/node_modules/fabric-shim/cli.js',
      'src/package.json',
    ]);
    expect(JSON.parse(entryText(code, 'src/fabric-line.json'))).toEqual({ line: '2.2' });
    expect(JSON.parse(entryText(code, 'src/package.json'))).toEqual({
      name: 'waybill-chaincode-fabric-2.2',
      version: '0.1.0',
      private: true,
      main: 'dist/index.js',
      scripts: { start: 'node node_modules/fabric-shim/cli.js start' },
      engines: { node: '^12.16.1' },
      dependencies: { 'fabric-shim': '2.2.3' },
    });
  });

  it('is deterministic, and a changed lockfile is a new package', async () => {
    const build = fakeBuild();
    const a = await packageFabric22(build, tmp.make());
    const b = await packageFabric22(build, tmp.make());
    expect(b.packageId).toBe(a.packageId);
    const c = await packageFabric22(fakeBuild('{"lockfileVersion":1,"x":1}'), tmp.make());
    expect(c.label).not.toBe(a.label);
  });
});
