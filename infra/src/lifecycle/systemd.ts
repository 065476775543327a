import path from 'node:path';
import { CliError } from '../common/errors';
import { chaincodeLaunch } from './chaincode-server';
import type { HostShare, Org } from '../topology/topology';
import { apiName, apiOwnEnv } from '../local/apis';
import { PROJECT_ROOT } from '../local/context';
import { launchOf, type FabricNode, type Launch, type NodeBinaries } from '../local/node-processes';
import type { LocalNetwork } from '../local/network';

/** One systemd unit file: its name (`waybill-<node>.service`, `waybill-<host>.target`) and text. */
export interface UnitFile {
  readonly name: string;
  readonly text: string;
}

/**
 * Variables that stay out of unit files: the CA's bootstrap registrar is read only when a CA
 * initialises its home, which `waybill host init` did; the CA keeps it in its own 0600 file.
 */
const NOT_IN_UNITS = new Set(['FABRIC_CA_SERVER_BOOT']);

/** A value as systemd reads it in `Environment=` or `ExecStart=`: quoted, `%` and `\` escaped. */
function quote(v: string): string {
  const escaped = v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/%/g, '%%');
  return /[\s"'\\;]/.test(v) || v === '' ? `"${escaped}"` : escaped;
}

function unitName(name: string): string {
  return `waybill-${name}.service`;
}

function serviceUnit(o: {
  readonly name: string;
  readonly description: string;
  readonly target: string;
  readonly launch: Launch;
  readonly logFile: string;
  readonly after?: readonly string[];
}): UnitFile {
  const env = Object.entries({ PATH: `${path.dirname(process.execPath)}:/usr/local/bin:/usr/bin:/bin`, ...o.launch.env })
    .filter(([k]) => !NOT_IN_UNITS.has(k))
    .map(([k, v]) => `Environment=${quote(`${k}=${v}`)}`);
  const after = ['network-online.target', ...(o.after ?? [])];
  const text = [
    '[Unit]',
    `Description=${o.description}`,
    'Wants=network-online.target',
    `After=${after.join(' ')}`,
    `PartOf=${o.target}`,
    '',
    '[Service]',
    'Type=simple',
    `WorkingDirectory=${quote(o.launch.cwd)}`,
    ...env,
    `ExecStart=${[o.launch.command, ...o.launch.args].map(quote).join(' ')}`,
    'Restart=on-failure',
    'RestartSec=5',
    'LimitNOFILE=65536',
    'UMask=0077',
    `StandardOutput=append:${o.logFile}`,
    `StandardError=append:${o.logFile}`,
    '',
    '[Install]',
    `WantedBy=${o.target}`,
    '',
  ].join('\n');
  return { name: unitName(o.name), text };
}

/**
 * systemd units for one host's nodes, as `network up --host` would start them (the same launch
 * description, from `node-processes` and `chaincode-server`): CAs, orderers, peers, the chaincode
 * servers of the package `packageId` and the gateway APIs; and `waybill-<host>.target` that wants
 * them all. Paths are this host directory's.
 */
export function systemdUnits(net: LocalNetwork, share: HostShare, bin: NodeBinaries, packageId: string | undefined): UnitFile[] {
  const target = `waybill-${share.host.name}.target`;
  const units: UnitFile[] = [];
  const node = (n: FabricNode, after: readonly string[] = []): void => {
    units.push(
      serviceUnit({
        name: n.name,
        description: `Waybill ${n.kind} ${n.name} (${n.org}) on host ${share.host.name}`,
        target,
        launch: launchOf(net, bin, n),
        logFile: net.layout.logFile(n.name),
        after,
      }),
    );
  };
  for (const ca of share.cas) node(ca);
  for (const o of share.orderers) node(o);
  for (const p of share.peers) {
    const server = share.chaincodeServers.find((s) => s.org === p.org);
    node(p, server && packageId ? [unitName(server.name)] : []);
  }
  if (share.chaincodeServers.length && !packageId) {
    throw new CliError('no chaincode package is known on this host: run `waybill chaincode deploy --host` here first, or pass --package-id');
  }
  for (const server of share.chaincodeServers) {
    const org = orgNamed(share, server.org);
    units.push(
      serviceUnit({
        name: server.name,
        description: `Waybill chaincode server ${server.name} (${server.org}) on host ${share.host.name}`,
        target,
        launch: chaincodeLaunch({
          layout: net.layout,
          server,
          tlsRootCert: net.layout.orgTlsCa(org),
          packageId: packageId ?? '',
          peerRelease: net.topology.traits.peerRelease,
        }),
        logFile: net.layout.logFile(server.name),
      }),
    );
  }
  for (const org of share.orgs.filter((o) => o.apiPort !== undefined)) {
    units.push(
      serviceUnit({
        name: apiName(org),
        description: `Waybill gateway API of ${org.name} on host ${share.host.name}`,
        target,
        launch: {
          command: process.execPath,
          args: [path.join(PROJECT_ROOT, 'gateway-api', 'dist', 'main.js')],
          env: apiOwnEnv(net, org),
          cwd: PROJECT_ROOT,
        },
        logFile: net.layout.logFile(apiName(org)),
        after: org.peers.map((p) => unitName(p.name)),
      }),
    );
  }
  const wants = units.map((u) => u.name);
  units.push({
    name: target,
    text: ['[Unit]', `Description=Waybill nodes of host ${share.host.name} (network ${net.topology.name})`, `Wants=${wants.join(' ')}`, '', '[Install]', 'WantedBy=multi-user.target', ''].join('\n'),
  });
  return units;
}

function orgNamed(share: HostShare, name: string): Org {
  const org = share.orgs.find((o) => o.name === name);
  if (!org) throw new CliError(`organisation ${name} is not on host ${share.host.name}`);
  return org;
}
