import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CliError } from '../common/errors';
import { askTool, runTool } from '../common/run-tool';

/**
 * Pinned Fabric release. The architecture asks for v2.5.16; the Go module proxy reachable here
 * refuses every v2.5.x release after v2.5.9 (HTTP 403 "This module version is not available",
 * by commit hash and by pseudo-version), so the newest 2.5 LTS release it serves is pinned.
 * See docs/operations.md ("Fabric version"). Fabric's module path has no /v2 suffix, so its
 * versions are pseudo-versions of the commit that carries the release tag.
 */
export const FABRIC = {
  version: '2.5.9',
  commit: '7c3876255bf064b789a839ce347b6a02adb6333c',
  module: 'github.com/hyperledger/fabric',
  moduleVersion: 'v1.4.0-rc1.0.20240618194258-7c3876255bf0',
  // Only what runs as a node (peer, orderer) or makes the genesis block (configtxgen): channel
  // administration, the lifecycle and identities are TypeScript (no osnadmin, no peer CLI).
  binaries: ['peer', 'orderer', 'configtxgen'],
} as const;

/**
 * The Fabric 2.2 peer of the `amb` profile (AWS Managed Blockchain runs Fabric 2.2). The Go module
 * proxy serves v2.2.3's commit (v2.2.1's too; every other 2.2 tag answers 403), so v2.2.3 is pinned.
 * Only the peer: a 2.2 orderer has no channel participation API (it came in 2.3) and needs a system
 * channel, while AMB's ordering service is AWS's own and clients reach it only through Broadcast
 * and Deliver, which the 2.5 orderer serves the same way.
 */
export const FABRIC_22 = {
  version: '2.2.3',
  commit: '94ace6540955c488efd70eff6f33861ffc51d3d5',
  module: 'github.com/hyperledger/fabric',
  moduleVersion: 'v1.4.0-rc1.0.20210423202321-94ace6540955',
  binaries: ['peer'],
} as const;

export const FABRIC_CA = {
  version: '1.5.21',
  module: 'github.com/hyperledger/fabric-ca',
  moduleVersion: 'v1.5.21',
  binaries: ['fabric-ca-server'],
} as const;

export type BinaryName = (typeof FABRIC.binaries)[number] | (typeof FABRIC_CA.binaries)[number];
export const ALL_BINARIES: readonly BinaryName[] = [...FABRIC.binaries, ...FABRIC_CA.binaries];

export interface BinaryStatus {
  readonly name: BinaryName;
  readonly path: string;
  readonly present: boolean;
  readonly version: string | undefined;
  readonly wanted: string;
  readonly ok: boolean;
}

/** Where binaries come from: FABRIC_BIN if set, else the project's cache. */
export function binDir(projectRoot: string): string {
  return process.env['FABRIC_BIN'] ? path.resolve(process.env['FABRIC_BIN']) : path.join(projectRoot, '.fabric', 'bin');
}

function wanted(name: BinaryName): string {
  return (FABRIC.binaries as readonly string[]).includes(name) ? FABRIC.version : FABRIC_CA.version;
}

/** Asks a binary its version. */
export async function binaryVersion(file: string, name: BinaryName): Promise<string | undefined> {
  const args = name === 'configtxgen' ? ['-version'] : ['version'];
  const answer = await askTool(file, args, { timeoutMs: 10_000 });
  if (!answer) return undefined;
  const out = answer.stdout + answer.stderr;
  return (/Version:\s*v?([0-9][^\s]*)/.exec(out) ?? /^v?(\d+\.\d+\.\d+)/m.exec(out))?.[1];
}

/** Reports every binary: present, its version, whether it is the pinned one. */
export async function inspectBinaries(dir: string): Promise<BinaryStatus[]> {
  return Promise.all(
    ALL_BINARIES.map(async (name) => {
      const file = path.join(dir, name);
      const present = existsSync(file);
      const version = present ? await binaryVersion(file, name) : undefined;
      const ok = present && version === wanted(name);
      return { name, path: file, present, version, wanted: wanted(name), ok };
    }),
  );
}

export async function goVersion(): Promise<string | undefined> {
  const answer = await askTool('go', ['version'], { timeoutMs: 20_000 });
  return answer && /go(\d+\.\d+(\.\d+)?)/.exec(answer.stdout)?.[1];
}

/**
 * Makes sure every pinned binary is present: FABRIC_BIN (used as is, never built into), else
 * the project cache, building missing or wrong-version binaries with `go build` from the Go
 * module proxy. Logs progress through `progress`.
 */
export async function ensureBinaries(projectRoot: string, progress: (msg: string) => void): Promise<string> {
  const dir = binDir(projectRoot);
  let status = await inspectBinaries(dir);
  if (status.every((s) => s.ok)) return dir;
  const missing = status.filter((s) => !s.ok);
  if (process.env['FABRIC_BIN']) {
    throw new CliError(
      `FABRIC_BIN=${dir} lacks the pinned binaries: ${missing
        .map((s) => `${s.name} (${s.present ? `version ${s.version ?? 'unknown'}` : 'missing'}, want ${s.wanted})`)
        .join(', ')}`,
    );
  }
  const go = await goVersion();
  if (!go) {
    throw new CliError(
      'Fabric binaries are missing and no Go toolchain was found: install Go >= 1.22 (https://go.dev/dl, ' +
        'or `apt-get install golang`) and run again, or point FABRIC_BIN at a folder holding ' +
        `peer, orderer, configtxgen ${FABRIC.version} and fabric-ca-server ${FABRIC_CA.version}`,
      { step: 'fabric binaries' },
    );
  }
  mkdirSync(dir, { recursive: true });
  const needFabric = missing.some((s) => (FABRIC.binaries as readonly string[]).includes(s.name));
  const needCa = missing.some((s) => (FABRIC_CA.binaries as readonly string[]).includes(s.name));
  if (needFabric) {
    progress(`building Fabric ${FABRIC.version} (peer, orderer, configtxgen) with go ${go}; takes a few minutes once`);
    await goBuild(dir, FABRIC.module, FABRIC.moduleVersion, FABRIC.binaries, [
      `-X ${FABRIC.module}/common/metadata.Version=${FABRIC.version}`,
      `-X ${FABRIC.module}/common/metadata.CommitSHA=${FABRIC.commit.slice(0, 7)}`,
    ]);
  }
  if (needCa) {
    progress(`building Fabric CA ${FABRIC_CA.version} (fabric-ca-server) with go ${go}`);
    await goBuild(dir, FABRIC_CA.module, FABRIC_CA.moduleVersion, FABRIC_CA.binaries, [
      `-X ${FABRIC_CA.module}/lib/metadata.Version=${FABRIC_CA.version}`,
    ]);
  }
  status = await inspectBinaries(dir);
  const still = status.filter((s) => !s.ok);
  if (still.length) {
    throw new CliError(`after building, these binaries are still wrong: ${still.map((s) => s.name).join(', ')}`);
  }
  return dir;
}

/**
 * `go install mod/cmd/x@version` probes `mod/cmd/x` as a module first, which a filtering proxy
 * answers with 403 rather than 404; a throw-away module that requires the exact version and
 * builds the commands avoids the probe.
 */
async function goBuild(
  outDir: string,
  mod: string,
  version: string,
  cmds: readonly string[],
  ldflags: readonly string[],
): Promise<void> {
  const work = mkdtempSync(path.join(os.tmpdir(), 'waybill-gobuild-'));
  try {
    writeFileSync(path.join(work, 'go.mod'), 'module waybill.local/fabricbin\n\ngo 1.22\n');
    const env = { ...process.env, GOFLAGS: '-mod=mod', CGO_ENABLED: '1' };
    const pkgs = cmds.map((c) => `${mod}/cmd/${c}`);
    const step = 'fabric binaries';
    await runTool('go', ['get', ...pkgs.map((p) => `${p}@${version}`)], {
      cwd: work,
      env,
      timeoutMs: 900_000,
      failure: `go get ${mod}@${version}`,
      lines: 3,
      step,
    });
    await runTool('go', ['build', '-o', `${outDir}/`, '-ldflags', ldflags.join(' '), ...pkgs], {
      cwd: work,
      env,
      timeoutMs: 1_800_000,
      maxBuffer: 16 * 1024 * 1024,
      failure: `go build ${mod}`,
      lines: 3,
      step,
    });
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** Where the Fabric 2.2 peer comes from: FABRIC22_BIN if set, else the project's cache. */
export function bin22Dir(projectRoot: string): string {
  return process.env['FABRIC22_BIN'] ? path.resolve(process.env['FABRIC22_BIN']) : path.join(projectRoot, '.fabric', 'bin-2.2');
}

/**
 * Makes sure the Fabric 2.2 peer is present (FABRIC22_BIN as is, else the project cache, built
 * once with `go build` from the module proxy like the 2.5 binaries).
 */
export async function ensureFabric22(projectRoot: string, progress: (msg: string) => void): Promise<string> {
  const dir = bin22Dir(projectRoot);
  const file = path.join(dir, 'peer');
  const have = existsSync(file) ? await binaryVersion(file, 'peer') : undefined;
  if (have === FABRIC_22.version) return dir;
  if (process.env['FABRIC22_BIN']) {
    throw new CliError(
      `FABRIC22_BIN=${dir} lacks the Fabric ${FABRIC_22.version} peer (${have ? `found ${have}` : 'missing'})`,
    );
  }
  const go = await goVersion();
  if (!go) {
    throw new CliError(`the amb profile needs the Fabric ${FABRIC_22.version} peer and no Go toolchain was found to build it`, {
      step: 'fabric binaries',
    });
  }
  mkdirSync(dir, { recursive: true });
  progress(`building the Fabric ${FABRIC_22.version} peer with go ${go}; takes a few minutes once`);
  await goBuild(dir, FABRIC_22.module, FABRIC_22.moduleVersion, FABRIC_22.binaries, [
    `-X ${FABRIC_22.module}/common/metadata.Version=${FABRIC_22.version}`,
    `-X ${FABRIC_22.module}/common/metadata.CommitSHA=${FABRIC_22.commit.slice(0, 7)}`,
  ]);
  const built = await binaryVersion(file, 'peer');
  if (built !== FABRIC_22.version) throw new CliError(`after building, the 2.2 peer reports version ${built ?? 'unknown'}`);
  return dir;
}

/** The directory of Fabric's own sample configuration (core.yaml, orderer.yaml) in the module cache. */
export async function fabricSampleConfig(release: { readonly module: string; readonly moduleVersion: string } = FABRIC): Promise<string> {
  const envDir = release === FABRIC ? process.env['FABRIC_CFG_SAMPLE'] : process.env['FABRIC22_CFG_SAMPLE'];
  if (envDir) return envDir;
  const modCache =
    (await askTool('go', ['env', 'GOMODCACHE'], { timeoutMs: 20_000 }))?.stdout.trim() ?? path.join(os.homedir(), 'go', 'pkg', 'mod');
  const dir = path.join(modCache, `${release.module}@${release.moduleVersion}`, 'sampleconfig');
  if (!existsSync(path.join(dir, 'core.yaml'))) {
    // The binaries may come from FABRIC_BIN without a module download: fetch the source once.
    const work = mkdtempSync(path.join(os.tmpdir(), 'waybill-gomod-'));
    try {
      await runTool('go', ['mod', 'download', `${release.module}@${release.moduleVersion}`], {
        cwd: work,
        env: { ...process.env, GOFLAGS: '-mod=mod' },
        timeoutMs: 600_000,
        lines: 3,
        failure: (output) =>
          `Fabric's sampleconfig (core.yaml, orderer.yaml) is not in the Go module cache and could not be downloaded: ${output}; set FABRIC_CFG_SAMPLE to a folder holding them`,
      });
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }
  return dir;
}
