import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { runTool } from '../common/run-tool';
import { channelInfo, joinOrderer, type OrdererAdmin } from '../fabric/channel-participation';
import { loadIdentity } from '../fabric/msp-identity';
import type * as SystemChaincodes from '../fabric/system-chaincodes';
import type { NetworkModel } from '../topology/layout';
import type { OrdererNode, PeerNode } from '../topology/topology';
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
export async function createChannel(net: NetworkModel, fabricBin: string): Promise<void> {
  const { layout, topology } = net;
  mkdirSync(layout.channelDir, { recursive: true });
  writeFileSync(path.join(layout.channelDir, 'configtx.yaml'), configtx(topology, layout));
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
      if (await channelInfo(admin, topology.channel)) return;
      await joinOrderer(admin, block);
    }),
  );
}

/** An orderer's channel participation API with the orderer organisation admin's TLS key pair. */
export function ordererAdmin(net: NetworkModel, o: OrdererNode): OrdererAdmin {
  const { layout, topology } = net;
  const adminTls = path.join(layout.userDir(topology.ordererOrg, layout.adminId(topology.ordererOrg)), 'tls');
  return {
    name: o.name,
    url: `https://localhost:${o.adminPort}`,
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
export async function setAnchorPeers(net: NetworkModel): Promise<void> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const admin = require('./channel-admin') as typeof ChannelAdmin;
  // One update after another: each is computed against the configuration the previous one made.
  for (const org of net.topology.peerOrgs) {
    const anchors = org.peers.filter((p) => !p.failover).map((p) => ({ host: 'localhost', port: p.port }));
    if (anchors.length) await admin.setAnchorPeers(net, org, anchors);
  }
}
