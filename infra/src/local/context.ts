import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { CliError } from '../common/errors';
import { Layout } from '../topology/layout';
import { hostNamed, loadTopology, type Profile, type Topology } from '../topology/topology';

/** The repository root (infra/dist/local → ../../..). */
export const PROJECT_ROOT = process.env['WAYBILL_ROOT'] ?? path.resolve(__dirname, '..', '..', '..');

export interface NetworkOptions {
  /** Runtime directory; default `.network/dev`. */
  readonly dir?: string;
  readonly basePort?: number;
  readonly topologyFile?: string;
  /** Picks the profile's topology file (network/topology.amb.yaml for amb) when none is given. */
  readonly profile?: Profile;
  readonly failover?: boolean;
  /** The host of a multi-host topology this directory runs (`--host`). */
  readonly host?: string;
}

/** What `up` remembers so that later commands need no flags. */
export interface SavedSettings {
  readonly basePort: number;
  readonly failover: boolean;
  readonly topologyFile: string;
  readonly host?: string;
}

export interface NetworkContext {
  readonly layout: Layout;
  readonly topology: Topology;
  readonly settings: SavedSettings;
}

/** The topology file of a profile. */
export function profileTopology(profile: Profile): string {
  return path.join(PROJECT_ROOT, 'network', profile === 'amb' ? 'topology.amb.yaml' : 'topology.yaml');
}

export function defaultDir(): string {
  return process.env['WAYBILL_NETWORK_DIR'] ?? path.join(PROJECT_ROOT, '.network', 'dev');
}

/**
 * Resolves the network a command acts on: explicit options first, then what `up` saved in the
 * runtime directory, then the topology file's defaults.
 */
export function resolveNetwork(options: NetworkOptions = {}): NetworkContext {
  const layout = new Layout(options.dir ?? defaultDir());
  const saved = readSettings(layout);
  const topologyFile = path.resolve(
    options.topologyFile ??
      (options.profile ? profileTopology(options.profile) : undefined) ??
      saved?.topologyFile ??
      process.env['WAYBILL_TOPOLOGY'] ??
      profileTopology('standard'),
  );
  const failover = options.failover ?? saved?.failover ?? false;
  const probe = loadTopology(topologyFile, { failover });
  if (options.profile && probe.profile !== options.profile) {
    throw new CliError(`profile ${options.profile} asked for, but topology ${topologyFile} is profile ${probe.profile}`);
  }
  if (saved && options.profile && path.resolve(saved.topologyFile) !== topologyFile) {
    throw new CliError(
      `${layout.root} holds a network of topology ${saved.topologyFile}, not profile ${options.profile}: run \`waybill network clean --dir ${layout.root}\` (without --profile) or use another --dir`,
    );
  }
  const basePort = options.basePort ?? saved?.basePort ?? probe.basePort;
  const topology = basePort === probe.basePort ? probe : loadTopology(topologyFile, { basePort, failover });
  const host = options.host ?? saved?.host;
  if (host !== undefined) {
    if (topology.hosts[0]?.implicit) throw new CliError(`--host ${host}: topology ${topologyFile} declares no hosts:`);
    hostNamed(topology, host);
  }
  if (saved?.host !== undefined && options.host !== undefined && saved.host !== options.host) {
    throw new CliError(`${layout.root} runs host ${saved.host}, not ${options.host}; each host has its own --dir`);
  }
  return { layout, topology, settings: { basePort, failover, topologyFile, ...(host !== undefined ? { host } : {}) } };
}

export function settingsFile(layout: Layout): string {
  return path.join(layout.root, 'settings.json');
}

export function readSettings(layout: Layout): SavedSettings | undefined {
  const file = settingsFile(layout);
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as SavedSettings;
  } catch {
    throw new CliError(`${file} is corrupt; run \`waybill network clean\``);
  }
}
