import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { CliError } from '../common/errors';
import { runTool } from '../common/run-tool';
import { channelInfo, joinOrderer, type OrdererAdmin } from '../fabric/channel-participation';
import { loadIdentity } from '../fabric/msp-identity';
import type * as SystemChaincodes from '../fabric/system-chaincodes';
import type { NetworkModel } from '../topology/layout';
import type { OrdererNode, Org, PeerNode } from '../topology/topology';
import { setTimeout as sleep } from 'node:timers/promises';
import { fetchBlock } from '../fabric/connection';
import { adminIdentity, ordererEndpoint } from './endpoints';
import type * as ChannelAdmin from './channel-admin';
import { orgOf, peerEndpoint } from './endpoints';
import { configtx } from './node-config';

const CHANNEL_DONE = 'channel.done';

/** Whether the channel was set up completely (orderers and peers joined, anchor peers set). */
export function channelReady(net: NetworkModel): boolean {
  return existsSync(path.join(net.layout.root, CHANNEL_DONE));
}

export function markChannelReady(net: NetworkModel): void {
  writeFileSync(path.join(net.layout.root, CHANNEL_DONE), new Date().toISOString());
}

/**
 * Creates the channel: its genesis block from the topology (`configtxgen`, once), joined by every
 * orderer through the channel participation API (those that have it already are left alone).
 */
export async function createChannel(
  net: NetworkModel,
  fabricBin: string,
  options: {
    /** Where each orderer's TLS certificate is (default: its node folder). */
    readonly consenterCert?: (o: OrdererNode) => string;
    /** How long to wait for orderers of other hosts to answer (default: no wait). */
    readonly waitMs?: number;
  } = {},
): Promise<void> {
  const { layout, topology } = net;
  mkdirSync(layout.channelDir, { recursive: true });
  writeFileSync(path.join(layout.channelDir, 'configtx.yaml'), configtx(topology, layout, options.consenterCert));
  if (!existsSync(layout.genesisBlock)) {
    await runTool(
      path.join(fabricBin, 'configtxgen'),
      ['-profile', 'WaybillChannel', '-outputBlock', layout.genesisBlock, '-channelID', topology.channel],
      { env: { ...process.env, FABRIC_CFG_PATH: layout.channelDir }, timeoutMs: 60_000, failure: 'configtxgen' },
    );
  }
  const block = readFileSync(layout.genesisBlock);
  await Promise.all(
    topology.orderers.map(async (o) => {
      const admin = ordererAdmin(net, o);
      const deadline = Date.now() + (options.waitMs ?? 0);
      for (;;) {
        try {
          if (await channelInfo(admin, topology.channel)) return;
          await joinOrderer(admin, block);
          return;
        } catch (err) {
          // An orderer of another host may not be up yet.
          if (Date.now() > deadline) throw err;
          await sleep(1000);
        }
      }
    }),
  );
}

/** An orderer's channel participation API with the orderer organisation admin's TLS key pair. */
export function ordererAdmin(net: NetworkModel, o: OrdererNode): OrdererAdmin {
  const { layout, topology } = net;
  const adminTls = path.join(layout.userDir(topology.ordererOrg, layout.adminId(topology.ordererOrg)), 'tls');
  return {
    name: o.name,
    url: `https://${o.host.endpoint}:${o.adminPort}`,
    tlsRootCert: readFileSync(layout.orgTlsCa(topology.ordererOrg)),
    clientCert: readFileSync(path.join(adminTls, 'server.crt')),
    clientKey: readFileSync(path.join(adminTls, 'server.key')),
  };
}

/** The channel as one orderer sees it (channel participation API, mTLS as orderer admin). */
export function ordererChannelInfo(
  net: NetworkModel,
  o: OrdererNode,
): Promise<{ height: number; status: string; consensusRelation: string } | undefined> {
  return channelInfo(ordererAdmin(net, o), net.topology.channel);
}

/** A peer joins the channel (once; later a no-op), by its own organisation's admin as on its host. */
export async function joinPeer(net: NetworkModel, p: PeerNode): Promise<void> {
  const { layout, topology } = net;
  const chains = path.join(layout.nodeDir(p), 'data', 'ledgersData', 'chains', 'chains', topology.channel);
  if (existsSync(chains)) return;
  const org = orgOf(net, p.org);
  // Fabric protobufs load when used, not for every `waybill` start.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { joinChannel } = require('../fabric/system-chaincodes') as typeof SystemChaincodes;
  await joinChannel(loadIdentity(org.mspId, layout.adminMsp(org)), peerEndpoint(net, p), readFileSync(layout.genesisBlock));
}

/** Each organisation's admin sets its anchor peers by configuration update (once; later a no-op). */
export async function setAnchorPeers(net: NetworkModel, orgs: readonly Org[] = net.topology.peerOrgs): Promise<void> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const admin = require('./channel-admin') as typeof ChannelAdmin;
  // One update after another: each is computed against the configuration the previous one made.
  for (const org of orgs) {
    const anchors = org.peers.filter((p) => !p.failover).map((p) => ({ host: p.host.endpoint, port: p.port }));
    if (anchors.length) await admin.setAnchorPeers(net, org, anchors);
  }
}

/**
 * A host without the channel's genesis block (it was made on the ordering organisation's host)
 * fetches block 0 from the orderers as one of its own organisations' admins, waiting until the
 * channel exists; the block is public and kept where {@link joinPeer} reads it.
 */
export async function fetchGenesis(net: NetworkModel, org: Org, waitMs: number): Promise<void> {
  const { layout, topology } = net;
  if (existsSync(layout.genesisBlock)) return;
  const id = adminIdentity(net, org);
  const deadline = Date.now() + waitMs;
  let last = '';
  for (;;) {
    for (const o of topology.orderers) {
      try {
        const block = await fetchBlock(ordererEndpoint(net, o), id, topology.channel, 0);
        mkdirSync(layout.channelDir, { recursive: true });
        writeFileSync(layout.genesisBlock, block.serializeBinary());
        return;
      } catch (err) {
        last = `${o.name}: ${(err as Error).message}`;
      }
    }
    if (Date.now() > deadline) throw new CliError(`no orderer served channel ${topology.channel} within ${waitMs / 1000}s (${last})`);
    await sleep(1000);
  }
}
