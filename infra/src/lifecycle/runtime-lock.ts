import { CliError } from '../common/errors';

/** One entry of an npm lockfile's `packages` map (lockfileVersion 2 or 3). */
export interface LockEntry {
  readonly name?: string;
  readonly version?: string;
  readonly resolved?: string;
  readonly integrity?: string;
  readonly link?: boolean;
  readonly dev?: boolean;
  readonly devOptional?: boolean;
  readonly dependencies?: Readonly<Record<string, string>>;
  readonly optionalDependencies?: Readonly<Record<string, string>>;
  readonly peerDependencies?: Readonly<Record<string, string>>;
  readonly peerDependenciesMeta?: Readonly<Record<string, { readonly optional?: boolean }>>;
  readonly [field: string]: unknown;
}

/** The parts of an npm lockfile (lockfileVersion ≥ 2) this module reads and writes. */
export interface Lockfile {
  readonly name?: string;
  readonly version?: string;
  readonly lockfileVersion: number;
  readonly requires?: boolean;
  readonly packages: Readonly<Record<string, LockEntry>>;
}

/** The root of the standalone package the lock is for. */
export interface LockRoot {
  readonly name: string;
  readonly version: string;
  readonly dependencies: Readonly<Record<string, string>>;
}

/**
 * Where Node finds `name` when it is required from the package installed at `from` (a lockfile
 * key such as `node_modules/a/node_modules/b`, or a workspace folder such as `chaincode`): the
 * nearest `node_modules/<name>` walking up the folders.
 */
export function resolveInLock(
  packages: Lockfile['packages'],
  from: string,
  name: string,
): string | undefined {
  let base = from;
  for (;;) {
    const candidate = base ? `${base}/node_modules/${name}` : `node_modules/${name}`;
    if (Object.hasOwn(packages, candidate)) return candidate;
    if (!base) return undefined;
    const up = base.lastIndexOf('/node_modules/');
    base = up >= 0 ? base.slice(0, up) : '';
  }
}

/**
 * A standalone lockfile for one workspace's production dependencies, cut out of the monorepo's
 * lockfile: the exact versions and integrity hashes the project was tested with, laid out so that
 * `npm ci` in a folder holding only that workspace's package.json installs the same tree.
 *
 * Why not `npm install --package-lock-only`: it resolves ranges against the registry of the day,
 * so the chaincode package (and with it its package ID) would change whenever a dependency
 * publishes a release, and peers could run versions the tests never saw.
 *
 * @throws {CliError} when the workspace is not in the lock, a dependency is missing from it,
 * a dependency is a link (workspace packages cannot be installed from a registry), or two
 * different versions would need the same top-level slot.
 */
export function workspaceRuntimeLock(lock: Lockfile, workspace: string, root: LockRoot): Lockfile {
  if (lock.lockfileVersion < 2)
    throw new CliError(
      `the lockfile is version ${lock.lockfileVersion}; npm ≥ 7 (lockfile v2+) is needed`,
    );
  const packages = lock.packages;
  if (!Object.hasOwn(packages, workspace))
    throw new CliError(`workspace ${workspace} is not in the lockfile: run npm install`);
  const wanted = new Set<string>();
  const visit = (
    from: string,
    deps: Readonly<Record<string, string>>,
    optional: (name: string) => boolean,
  ): void => {
    for (const name of Object.keys(deps).sort()) {
      const key = resolveInLock(packages, from, name);
      if (key === undefined) {
        if (optional(name)) continue;
        throw new CliError(
          `${name}, needed by ${from || 'the root'}, is missing from the lockfile: run npm install`,
        );
      }
      const entry = packages[key] as LockEntry;
      if (entry.link)
        throw new CliError(
          `${name} is a workspace link; a chaincode package can only depend on registry packages`,
        );
      if (wanted.has(key)) continue;
      wanted.add(key);
      visit(key, entry.dependencies ?? {}, () => false);
      visit(key, entry.optionalDependencies ?? {}, () => true);
      visit(key, entry.peerDependencies ?? {}, (n) => entry.peerDependenciesMeta?.[n]?.optional === true);
    }
  };
  visit(workspace, root.dependencies, () => false);

  const local = `${workspace}/node_modules/`;
  const out: Record<string, LockEntry> = {
    '': { name: root.name, version: root.version, dependencies: { ...root.dependencies } },
  };
  const from = new Map<string, string>();
  for (const key of [...wanted].sort()) {
    const target = key.startsWith(local) ? `node_modules/${key.slice(local.length)}` : key;
    const clash = from.get(target);
    if (clash !== undefined)
      throw new CliError(
        `${clash} and ${key} would both install as ${target}; align their versions in package.json`,
      );
    from.set(target, key);
    // Every package of this tree is a production dependency of the root.
    const { dev: _dev, devOptional: _devOptional, ...entry } = packages[key] as LockEntry;
    out[target] = entry;
  }
  const sorted: Record<string, LockEntry> = {};
  for (const key of Object.keys(out).sort()) sorted[key] = out[key] as LockEntry;
  return { name: root.name, version: root.version, lockfileVersion: 3, requires: true, packages: sorted };
}
