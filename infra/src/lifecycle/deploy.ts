import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { WaybillError } from '../common/errors';
import type { LocalNetwork, Say } from '../local/network';
import type { Org, PeerNode } from '../local/topology';
import { PROJECT_ROOT } from '../local/context';
import { runningPid } from '../local/processes';
import { builderFailure } from './builder-log';
import { waitForEndorsers } from './endorsers';
import { initGovernance } from './governance';
import { CHAINCODE_DIR, serverAddress, startChaincodeServers } from './chaincode-server';
import { packageCcaas, packageNode, type ChaincodePackage, type DeployMode } from './package';

export interface DeployResult {
  readonly mode: DeployMode;
  readonly packageId: string;
  readonly sequence: number;
  readonly version: string;
  /** False when the committed definition already matched: nothing was approved or committed. */
  readonly changed: boolean;
  readonly seconds: number;
}

interface Committed {
  sequence: number;
  version: string;
}

/** The deployed state `deploy` leaves behind, read by `chaincode dev` and `npm start`. */
export interface DeployState {
  readonly mode: DeployMode;
  readonly packageId: string;
  readonly sequence: number;
}

export function deployStateFile(net: LocalNetwork): string {
  return path.join(net.layout.chaincodeDir, 'deployed.json');
}

export function readDeployState(net: LocalNetwork): DeployState | undefined {
  const f = deployStateFile(net);
  return existsSync(f) ? (JSON.parse(readFileSync(f, 'utf8')) as DeployState) : undefined;
}

/**
 * Packages, installs on every peer, approves for every organisation, commits, and waits until the
 * chaincode answers on every peer. A changed chaincode (or mode) is a new package and bumps the
 * sequence; an unchanged one is left as it is.
 */
export async function deployChaincode(net: LocalNetwork, mode: DeployMode, say: Say): Promise<DeployResult> {
  const t0 = Date.now();
  const peers = net.topology.peers;
  // Before anything else: on a fresh machine, resolving binaries may mean building them.
  if (peers.some((p) => runningPid(net.layout.pidFile(p.name)) === undefined)) {
    throw new WaybillError('the network is not up: run `waybill network up` first', { step: 'chaincode deploy' });
  }
  await net.binaries();
  const pkg: ChaincodePackage =
    mode === 'ccaas'
      ? await packageCcaas(CHAINCODE_DIR, net.layout.chaincodeDir, serverAddress(net))
      : await packageNode(CHAINCODE_DIR, net.layout.chaincodeDir, {
          lockFile: path.join(PROJECT_ROOT, 'package-lock.json'),
          workspace: path.relative(PROJECT_ROOT, CHAINCODE_DIR),
        });
  say(`package ${pkg.packageId.slice(0, pkg.label.length + 13)}…`);

  // The chaincode servers must listen before peers try to reach them.
  if (mode === 'ccaas') await startChaincodeServers(net, pkg.packageId);

  // Every peer's install runs to its end before a failure is reported, so that no build is still
  // running on a peer when the command exits (a retry would then find it half-installed).
  const installs = await Promise.allSettled(peers.map((p) => installIfMissing(net, p, pkg, say)));
  const failed = installs.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  const first = peers[0] as PeerNode;
  const committed = await queryCommitted(net, first);
  const policy = net.topology.chaincode.signaturePolicy;
  const approvedEverywhere =
    committed !== undefined &&
    (await Promise.all(net.topology.peerOrgs.map((o) => approvedPackage(net, anchor(o), committed.sequence)))).every(
      (id) => id === pkg.packageId,
    );
  let sequence = committed?.sequence ?? 0;
  let changed = false;
  if (!approvedEverywhere) {
    sequence += 1;
    changed = true;
    const common = [
      '--channelID',
      net.topology.channel,
      '--name',
      net.topology.chaincode.name,
      '--version',
      pkg.codeHash,
      '--sequence',
      String(sequence),
      '--signature-policy',
      policy,
      ...net.ordererFlags(),
    ];
    await Promise.all(
      net.topology.peerOrgs.map((o) =>
        net.peerCli(anchor(o), ['lifecycle', 'chaincode', 'approveformyorg', ...common, '--package-id', pkg.packageId]),
      ),
    );
    say(`approved by ${net.topology.peerOrgs.map((o) => o.name).join(', ')} (sequence ${sequence})`);
    const peerFlags = net.topology.peerOrgs.flatMap((o) => [
      '--peerAddresses',
      `localhost:${anchor(o).port}`,
      '--tlsRootCertFiles',
      net.layout.orgTlsCa(o),
    ]);
    await net.peerCli(first, ['lifecycle', 'chaincode', 'commit', ...common, ...peerFlags]);
    say(`committed ${net.topology.chaincode.name} sequence ${sequence}`);
  } else {
    say(`${net.topology.chaincode.name} sequence ${sequence} already runs this package`);
  }
  writeFileSync(deployStateFile(net), JSON.stringify({ mode, packageId: pkg.packageId, sequence }, null, 2));
  await Promise.all(peers.map((p) => waitForChaincode(net, p, mode === 'package' ? 180_000 : 60_000)));
  await waitForEndorsers(net, 90_000);
  await initGovernance(net, say);
  return { mode, packageId: pkg.packageId, sequence, version: pkg.codeHash, changed, seconds: (Date.now() - t0) / 1000 };
}

function anchor(org: Org): PeerNode {
  const p = org.peers[0];
  if (!p) throw new WaybillError(`organisation ${org.name} has no peer`);
  return p;
}

async function installIfMissing(net: LocalNetwork, p: PeerNode, pkg: ChaincodePackage, say: Say): Promise<void> {
  const out = await net.peerCli(p, ['lifecycle', 'chaincode', 'queryinstalled', '--output', 'json']);
  const installed = JSON.parse(out.trim() || '{}') as { installed_chaincodes?: { package_id: string }[] };
  if (installed.installed_chaincodes?.some((c) => c.package_id === pkg.packageId)) return;
  const t0 = Date.now();
  try {
    await net.peerCli(p, ['lifecycle', 'chaincode', 'install', pkg.file], 900_000);
  } catch (err) {
    // The peer answers only "external builder failed"; the builder's own words are in its log.
    const why = builderFailure(net.layout.builderLog(p, pkg.label));
    if (why) throw new WaybillError(`install on ${p.name} failed: ${why.summary}`, { step: 'chaincode install', detail: why.detail });
    throw err;
  }
  say(`installed on ${p.name} in ${((Date.now() - t0) / 1000).toFixed(1)}s`);
}

async function queryCommitted(net: LocalNetwork, p: PeerNode): Promise<Committed | undefined> {
  try {
    const out = await net.peerCli(p, [
      'lifecycle',
      'chaincode',
      'querycommitted',
      '--channelID',
      net.topology.channel,
      '--name',
      net.topology.chaincode.name,
      '--output',
      'json',
    ]);
    return JSON.parse(out) as Committed;
  } catch (err) {
    if (/not found|does not exist|404/i.test((err as Error).message)) return undefined;
    throw err;
  }
}

async function approvedPackage(net: LocalNetwork, p: PeerNode, sequence: number): Promise<string | undefined> {
  try {
    const out = await net.peerCli(p, [
      'lifecycle',
      'chaincode',
      'queryapproved',
      '--channelID',
      net.topology.channel,
      '--name',
      net.topology.chaincode.name,
      '--sequence',
      String(sequence),
      '--output',
      'json',
    ]);
    const a = JSON.parse(out) as { source?: { Type?: { LocalPackage?: { package_id?: string } } } };
    return a.source?.Type?.LocalPackage?.package_id;
  } catch {
    return undefined;
  }
}

/** Polls a read-only call until the chaincode answers on `p`. */
export async function waitForChaincode(net: LocalNetwork, p: PeerNode, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    try {
      await net.peerCli(
        p,
        [
          'chaincode',
          'query',
          '-C',
          net.topology.channel,
          '-n',
          net.topology.chaincode.name,
          '-c',
          '{"function":"org.hyperledger.fabric:GetMetadata","Args":[]}',
        ],
        30_000,
      );
      return;
    } catch (err) {
      last = (err as Error).message;
      await sleep(200);
    }
  }
  throw new WaybillError(`chaincode did not answer on ${p.name} within ${timeoutMs / 1000}s: ${last}`, {
    step: 'chaincode deploy',
  });
}
