import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CliError } from '../common/errors';
import type { LocalNetwork } from '../local/network';
import type { PeerNode } from '../topology/topology';
import { adminIdentity, anchorPeer, ordererEndpoint, orgOf, peerEndpoint } from '../local/endpoints';
import { processProposal } from '../fabric/connection';
import { newProposal, signProposal } from '../fabric/proposal';
import { approveForMyOrg, checkCommitReadiness, commitDefinition, installChaincode, queryApproved, queryCommitted, queryInstalled } from './lifecycle';
import { runningPid } from '../local/processes';
import { builderFailure } from './builder-log';
import { waitForEndorsers } from './endorsers';
import { initGovernance } from './governance';
import { startChaincodeServers } from './chaincode-server';
import { buildChaincodePackage } from './build-package';
import type { ChaincodePackage, ChaincodeTarget, DeployMode } from './package';
import type { Progress } from '../common/progress';

export interface DeployResult {
  readonly mode: DeployMode;
  readonly target: ChaincodeTarget;
  readonly packageId: string;
  readonly sequence: number;
  readonly version: string;
  /** False when the committed definition already matched: nothing was approved or committed. */
  readonly changed: boolean;
  /** On one host of several: organisations whose approval the commit still waits for (then not committed). */
  readonly waitingFor?: readonly string[];
  readonly seconds: number;
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
 * sequence; an unchanged one is left as it is. `target` fabric-2.2 (with mode `package`) deploys
 * the Node 12 build with its node_modules, as on AWS Managed Blockchain's 2.2 peers.
 */
export async function deployChaincode(net: LocalNetwork, mode: DeployMode, progress: Progress, target: ChaincodeTarget = 'fabric-2.5'): Promise<DeployResult> {
  const t0 = Date.now();
  // On one host of several, only its own peers and organisations: each host approves for its own.
  const peers = net.localPeers;
  const own = net.localPeerOrgs;
  // Before anything else: on a fresh machine, resolving binaries may mean building them.
  if (peers.some((p) => runningPid(net.layout.pidFile(p.name)) === undefined)) {
    throw new CliError('the network is not up: run `waybill network up` first', { step: 'chaincode deploy' });
  }
  await net.binaries();
  const pkg: ChaincodePackage = await buildChaincodePackage(net, mode, target);
  progress(`package ${pkg.packageId.slice(0, pkg.label.length + 13)}…`);

  // The chaincode servers must listen before peers try to reach them.
  if (mode === 'ccaas') await startChaincodeServers(net, pkg.packageId);

  const pkgBytes = readFileSync(pkg.file);
  // Every peer's install runs to its end before a failure is reported, so that no build is still
  // running on a peer when the command exits (a retry would then find it half-installed).
  const installs = await Promise.allSettled(peers.map((p) => installIfMissing(net, p, pkg, pkgBytes, progress)));
  const failed = installs.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  const first = anchorPeer(own[0] ?? fail('this host runs no peer organisation'));
  const firstAdmin = adminIdentity(net, orgOf(net, first.org));
  const { channel } = net.topology;
  const { name, signaturePolicy } = net.topology.chaincode;
  const committed = await queryCommitted(firstAdmin, peerEndpoint(net, first), channel, name);
  const approvedEverywhere =
    committed !== undefined &&
    (
      await Promise.all(
        own.map(
          async (o) => (await queryApproved(adminIdentity(net, o), peerEndpoint(net, anchorPeer(o)), channel, name, committed.sequence))?.packageId,
        ),
      )
    ).every((id) => id === pkg.packageId);
  let sequence = committed?.sequence ?? 0;
  let changed = false;
  if (!approvedEverywhere) {
    sequence += 1;
    changed = true;
    const def = { channel, name, version: pkg.codeHash, sequence, signaturePolicy };
    const orderer = ordererEndpoint(net);
    // Each organisation approves with its own admin key, endorsed by its own peer (a re-run on one
    // host of several finds its approval made and leaves it).
    await Promise.all(
      own.map(async (o) => {
        const admin = adminIdentity(net, o);
        const ep = peerEndpoint(net, anchorPeer(o));
        if (net.share && (await queryApproved(admin, ep, channel, name, sequence))?.packageId === pkg.packageId) return;
        await approveForMyOrg(admin, [ep], orderer, { ...def, packageId: pkg.packageId });
      }),
    );
    progress(`approved by ${own.map((o) => o.name).join(', ')} (sequence ${sequence})`);
    if (net.share) {
      const ready = await checkCommitReadiness(firstAdmin, peerEndpoint(net, first), def);
      const waitingFor = net.topology.peerOrgs.filter((o) => ready[o.mspId] !== true).map((o) => o.name);
      if (waitingFor.length) {
        progress(`sequence ${sequence} waits for the approval of ${waitingFor.join(', ')} (run \`chaincode deploy --host\` on their hosts)`);
        writeFileSync(deployStateFile(net), JSON.stringify({ mode, packageId: pkg.packageId, sequence }, null, 2));
        return { mode, target, packageId: pkg.packageId, sequence, version: pkg.codeHash, changed, waitingFor, seconds: (Date.now() - t0) / 1000 };
      }
    }
    await commitDefinition(
      firstAdmin,
      net.topology.peerOrgs.map((o) => peerEndpoint(net, anchorPeer(o))),
      orderer,
      def,
    );
    progress(`committed ${name} sequence ${sequence}`);
  } else {
    progress(`${name} sequence ${sequence} already runs this package`);
  }
  writeFileSync(deployStateFile(net), JSON.stringify({ mode, packageId: pkg.packageId, sequence }, null, 2));
  await Promise.all(peers.map((p) => waitForChaincode(net, p, mode === 'package' ? 180_000 : 60_000)));
  await waitForEndorsers(net, 90_000);
  await initGovernance(net, progress);
  return { mode, target, packageId: pkg.packageId, sequence, version: pkg.codeHash, changed, seconds: (Date.now() - t0) / 1000 };
}

function fail(msg: string): never {
  throw new CliError(msg, { step: 'chaincode deploy' });
}

async function installIfMissing(net: LocalNetwork, p: PeerNode, pkg: ChaincodePackage, bytes: Buffer, progress: Progress): Promise<void> {
  const admin = adminIdentity(net, orgOf(net, p.org));
  const ep = peerEndpoint(net, p);
  if ((await queryInstalled(admin, ep)).some((c) => c.packageId === pkg.packageId)) return;
  const t0 = Date.now();
  try {
    const r = await installChaincode(admin, ep, bytes);
    if (r.packageId !== pkg.packageId) fail(`${p.name} computed package ID ${r.packageId}, expected ${pkg.packageId}`);
  } catch (err) {
    // The peer answers only "external builder failed"; the builder's own words are in its log.
    const why = builderFailure(net.layout.builderLog(p, pkg.label));
    if (why) throw new CliError(`install on ${p.name} failed: ${why.summary}`, { step: 'chaincode install', detail: why.detail });
    throw err;
  }
  progress(`installed on ${p.name} in ${((Date.now() - t0) / 1000).toFixed(1)}s`);
}

/** Polls a read-only call until the chaincode answers on `p`. */
export async function waitForChaincode(net: LocalNetwork, p: PeerNode, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  const admin = adminIdentity(net, orgOf(net, p.org));
  const ep = peerEndpoint(net, p);
  while (Date.now() < deadline) {
    try {
      const { proposal } = newProposal(admin, {
        channel: net.topology.channel,
        chaincode: net.topology.chaincode.name,
        fn: 'org.hyperledger.fabric:GetMetadata',
      });
      await processProposal(ep, await signProposal(admin, proposal), 30_000);
      return;
    } catch (err) {
      last = (err as Error).message;
      await sleep(200);
    }
  }
  throw new CliError(`chaincode did not answer on ${p.name} within ${timeoutMs / 1000}s: ${last}`, {
    step: 'chaincode deploy',
  });
}
