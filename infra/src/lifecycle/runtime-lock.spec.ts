import { readFileSync } from 'node:fs';
import path from 'node:path';
import { CliError } from '../common/errors';
import { PROJECT_ROOT } from '../local/context';
import { fakeMonorepoLock } from '../testing/fixtures';
import { resolveInLock, workspaceRuntimeLock, type Lockfile } from './runtime-lock';

const root = {
  name: 'chaincode',
  version: '1.2.3',
  dependencies: { 'fabric-contract-api': '^2.5.0', 'fabric-shim': '^2.5.0' },
};

describe('resolveInLock', () => {
  const packages = {
    'node_modules/a': {},
    'node_modules/a/node_modules/b': {},
    'node_modules/b': {},
    'node_modules/@s/c': {},
    'ws/node_modules/b': {},
  };
  it.each([
    ['node_modules/a', 'b', 'node_modules/a/node_modules/b'],
    ['node_modules/a/node_modules/b', 'a', 'node_modules/a'],
    ['node_modules/@s/c', 'b', 'node_modules/b'],
    ['ws', 'b', 'ws/node_modules/b'],
    ['ws', 'a', 'node_modules/a'],
    ['', '@s/c', 'node_modules/@s/c'],
    ['ws', 'missing', undefined],
  ])('from %s, %s resolves to %s (the nearest node_modules upwards)', (from, name, want) => {
    expect(resolveInLock(packages, from, name)).toBe(want);
  });
});

describe('workspaceRuntimeLock', () => {
  it('keeps exactly the production closure, re-rooted, with versions and integrity', () => {
    expect(workspaceRuntimeLock(fakeMonorepoLock(), 'chaincode', root)).toEqual({
      name: 'chaincode',
      version: '1.2.3',
      lockfileVersion: 3,
      requires: true,
      packages: {
        '': { name: 'chaincode', version: '1.2.3', dependencies: root.dependencies },
        'node_modules/fabric-contract-api': {
          version: '2.5.8',
          integrity: 'sha512-api',
          dependencies: { winston: '^3.0.0' },
        },
        'node_modules/fabric-shim': {
          version: '2.5.1',
          integrity: 'sha512-shim',
          dependencies: { winston: '^3.0.0' },
        },
        'node_modules/winston': { version: '3.17.0', integrity: 'sha512-winston', license: 'MIT' },
      },
    });
  });

  it('drops dev flags: everything in the package is a runtime dependency', () => {
    const lock = fakeMonorepoLock();
    const devWinston: Lockfile = {
      ...lock,
      packages: {
        ...lock.packages,
        'node_modules/winston': { version: '3.17.0', dev: true, devOptional: true },
      },
    };
    expect(workspaceRuntimeLock(devWinston, 'chaincode', root).packages['node_modules/winston']).toEqual({
      version: '3.17.0',
    });
  });

  it('skips a missing optional dependency and follows a present one', () => {
    const lock = fakeMonorepoLock();
    const withOptional: Lockfile = {
      ...lock,
      packages: {
        ...lock.packages,
        'node_modules/winston': { version: '3.17.0', optionalDependencies: { gone: '1', here: '1' } },
        'node_modules/here': { version: '1.0.0', optional: true },
      },
    };
    const out = workspaceRuntimeLock(withOptional, 'chaincode', root).packages;
    expect(Object.keys(out)).toContain('node_modules/here');
    expect(Object.keys(out)).not.toContain('node_modules/gone');
  });

  it.each<[string, (l: Lockfile) => Lockfile, string, RegExp]>([
    ['an unknown workspace', (l) => l, 'nowhere', /workspace nowhere is not in the lockfile/],
    [
      'a dependency missing from the lock',
      (l) => ({
        ...l,
        packages: Object.fromEntries(
          Object.entries(l.packages).filter(([k]) => k !== 'node_modules/winston'),
        ),
      }),
      'chaincode',
      /winston, needed by node_modules\/fabric-contract-api, is missing from the lockfile/,
    ],
    [
      'two versions competing for one top-level slot',
      (l) => ({
        ...l,
        packages: { ...l.packages, 'chaincode/node_modules/winston': { version: '2.0.0', dependencies: {} } },
      }),
      'chaincode',
      /would both install as node_modules\/winston/,
    ],
    [
      'a workspace link',
      (l) => ({
        ...l,
        packages: {
          ...l.packages,
          'node_modules/fabric-contract-api': { resolved: 'elsewhere', link: true },
        },
      }),
      'chaincode',
      /fabric-contract-api is a workspace link/,
    ],
    ['a v1 lockfile', (l) => ({ ...l, lockfileVersion: 1 }), 'chaincode', /lockfile is version 1/],
  ])('refuses %s with a clear error', (_what, change, workspace, message) => {
    let caught: unknown;
    try {
      workspaceRuntimeLock(change(fakeMonorepoLock()), workspace, root);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(CliError);
    expect((caught as Error).message).toMatch(message);
  });

  it("cuts the real chaincode's lock out of the project's lockfile, every dependency pinned", () => {
    const lock = JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'package-lock.json'), 'utf8')) as Lockfile;
    const pkg = JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'chaincode', 'package.json'), 'utf8')) as {
      version: string;
      dependencies: Record<string, string>;
    };
    const out = workspaceRuntimeLock(lock, 'chaincode', {
      name: 'chaincode',
      version: pkg.version,
      dependencies: pkg.dependencies,
    });
    for (const dep of Object.keys(pkg.dependencies))
      expect(out.packages[`node_modules/${dep}`]?.version).toMatch(/^\d+\.\d+\.\d+/);
    // The chaincode's own class-transformer pin wins over what other workspaces use.
    expect(out.packages['node_modules/class-transformer']?.version).toBe(
      pkg.dependencies['class-transformer'],
    );
    for (const [key, entry] of Object.entries(out.packages)) {
      if (key === '') continue;
      expect([key, typeof entry.version, typeof entry.integrity, entry.dev]).toEqual([
        key,
        'string',
        'string',
        undefined,
      ]);
    }
    expect(Object.keys(out.packages).some((k) => /typescript|jest|nestjs/.test(k))).toBe(false);
  });
});
