import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { BUILDERS } from '../local/network';
import { builderFailure } from './builder-log';
import { TmpDirs } from '../testing/tmp';

const run = promisify(execFile);
const tmp = new TmpDirs();
afterAll(() => tmp.cleanup());

/** A package as the peer hands it to `build`: src/ with package.json (+ lock), and metadata.json. */
function chaincodeSource(withLock: boolean): { source: string; meta: string; out: string } {
  const source = tmp.make();
  const meta = tmp.make();
  mkdirSync(path.join(source, 'src'));
  const deps = { 'left-pad': '1.3.0' };
  writeFileSync(
    path.join(source, 'src', 'package.json'),
    JSON.stringify({ name: 'cc', version: '1.0.0', dependencies: deps }),
  );
  if (withLock)
    writeFileSync(
      path.join(source, 'src', 'package-lock.json'),
      JSON.stringify({
        name: 'cc',
        version: '1.0.0',
        lockfileVersion: 3,
        requires: true,
        packages: {
          '': { name: 'cc', version: '1.0.0', dependencies: deps },
          'node_modules/left-pad': {
            version: '1.3.0',
            integrity:
              'sha512-XI5MPzVNApjAyhQzphX8BkmKsKUxD4LdyK24iZeQ9pfv2QHq39nq9ewJT1XfNz6JT1XLkbbx/uSQ/1E9aUvZbQ==',
          },
        },
      }),
    );
  writeFileSync(path.join(meta, 'metadata.json'), JSON.stringify({ label: 'cc_1', type: 'node' }));
  return { source, meta, out: tmp.make() };
}

/** A "registry" that accepts connections and never answers: npm would wait on it for minutes. */
function silentRegistry(): Promise<{ server: Server; url: string }> {
  return new Promise((resolve) => {
    const server = createServer(() => undefined);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      resolve({ server, url: `http://127.0.0.1:${port}/` });
    });
  });
}

describe('node builder (infra/builders/node/bin/build)', () => {
  const build = path.join(BUILDERS.node, 'bin', 'build');

  async function runBuild(
    src: { source: string; meta: string; out: string },
    env: NodeJS.ProcessEnv,
  ): Promise<{ code: number; stderr: string; ms: number }> {
    const t0 = Date.now();
    try {
      const r = await run(process.execPath, [build, src.source, src.meta, src.out], { env, timeout: 60_000 });
      return { code: 0, stderr: r.stderr, ms: Date.now() - t0 };
    } catch (err) {
      const e = err as { code?: number; stderr?: string };
      return { code: e.code ?? -1, stderr: e.stderr ?? '', ms: Date.now() - t0 };
    }
  }

  const npmEnv = (registry: string, logDir: string): NodeJS.ProcessEnv => ({
    PATH: process.env['PATH'],
    HOME: tmp.make(),
    npm_config_cache: tmp.make(),
    npm_config_registry: registry,
    npm_config_userconfig: path.join(tmp.make(), 'none'),
    WAYBILL_BUILDER_LOG_DIR: logDir,
  });

  it("fails within seconds with npm's own reason when the registry refuses, and logs it for deploy", async () => {
    const logDir = tmp.make();
    const r = await runBuild(chaincodeSource(true), npmEnv('http://127.0.0.1:9/', logDir));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^node build: npm ci failed \(exit \d+\): .*(ECONNREFUSED|127\.0\.0\.1:9)/m);
    const why = builderFailure(path.join(logDir, 'cc_1.log'));
    expect(why?.summary).toMatch(/^npm ci failed \(exit \d+\): /);
    expect(why?.detail).toMatch(/npm (error|warn)/);
  });

  it("stops an install that hangs at its deadline instead of running into the peer's ten-minute install timeout", async () => {
    const { server, url } = await silentRegistry();
    try {
      const logDir = tmp.make();
      const r = await runBuild(chaincodeSource(true), {
        ...npmEnv(url, logDir),
        WAYBILL_BUILDER_TIMEOUT_S: '3',
      });
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/node build: npm ci did not finish within 3s; stopping it/);
      expect(r.stderr).toMatch(/node build: npm ci failed \(killed by SIGKILL\)/);
      expect(r.ms).toBeLessThan(30_000);
      expect(readFileSync(path.join(logDir, 'cc_1.log'), 'utf8')).toMatch(/did not finish within 3s/);
    } finally {
      server.close();
    }
  });

  it('says so when a package carries no lockfile, and refuses one without package.json', async () => {
    const logDir = tmp.make();
    const r = await runBuild(chaincodeSource(false), npmEnv('http://127.0.0.1:9/', logDir));
    expect(r.stderr).toMatch(/has no package-lock\.json; installing with npm install/);
    expect(r.stderr).toMatch(/node build: npm install failed/);
    const empty = { source: tmp.make(), meta: tmp.make(), out: tmp.make() };
    const bad = await runBuild(empty, npmEnv('http://127.0.0.1:9/', logDir));
    expect([bad.code, bad.stderr.trim()]).toEqual([
      1,
      'node build: no package.json in the chaincode package',
    ]);
  });

  describe('a package with bundled node_modules (--target fabric-2.2)', () => {
    function bundledSource(withLock = false): { source: string; meta: string; out: string } {
      const src = chaincodeSource(withLock);
      mkdirSync(path.join(src.source, 'src', 'node_modules', 'left-pad'), { recursive: true });
      writeFileSync(path.join(src.source, 'src', 'node_modules', 'left-pad', 'package.json'), '{"name":"left-pad","version":"1.3.0"}');
      return src;
    }
    /** Stands in for Node 12's npm 6: writes down its arguments and succeeds. */
    function fakeNpm(): { cli: string; argsFile: string } {
      const dir = tmp.make();
      const argsFile = path.join(dir, 'args.json');
      const cli = path.join(dir, 'npm-cli.js');
      writeFileSync(cli, `require('fs').writeFileSync(${JSON.stringify(argsFile)}, JSON.stringify(process.argv.slice(2)));\n`);
      return { cli, argsFile };
    }

    it('installs as a 2.2 peer does, offline with an empty cache, and runs on the Node it was given', async () => {
      const src = bundledSource();
      const npm = fakeNpm();
      const r = await runBuild(src, { ...npmEnv('http://127.0.0.1:9/', tmp.make()), WAYBILL_NODE12: process.execPath, WAYBILL_NPM12: npm.cli });
      expect(r).toMatchObject({ code: 0 });
      expect(r.stderr).toMatch(/node build: npm install \(offline, Node v\d+\.\d+\.\d+\) found the bundled dependencies/);
      const args = JSON.parse(readFileSync(npm.argsFile, 'utf8')) as string[];
      expect(args.slice(0, 3)).toEqual(['install', '--production', '--offline']);
      expect(args).toContain('--ignore-scripts');
      expect(args.find((a) => a.startsWith('--cache='))).toMatch(/waybill-npm-cache-/);
      expect(readFileSync(path.join(src.out, '.waybill-node'), 'utf8')).toBe(process.execPath);
      expect(readFileSync(path.join(src.out, 'node_modules', 'left-pad', 'package.json'), 'utf8')).toContain('1.3.0');
    });

    it('refuses without Node 12, and with a lockfile (npm ci would empty node_modules and fetch)', async () => {
      const none = await runBuild(bundledSource(), npmEnv('http://127.0.0.1:9/', tmp.make()));
      expect([none.code, none.stderr.trim()]).toEqual([
        1,
        'node build: the package bundles node_modules (a Fabric 2.2 build) but WAYBILL_NODE12/WAYBILL_NPM12 name no Node 12 and npm 6',
      ]);
      const npm = fakeNpm();
      const locked = await runBuild(bundledSource(true), { ...npmEnv('http://127.0.0.1:9/', tmp.make()), WAYBILL_NODE12: process.execPath, WAYBILL_NPM12: npm.cli });
      expect([locked.code, locked.stderr.trim()]).toEqual([
        1,
        'node build: a package with bundled node_modules must not hold a package-lock.json (npm ci would fetch from the registry)',
      ]);
    });
  });
});
