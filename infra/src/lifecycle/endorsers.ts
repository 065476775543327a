import { setTimeout as sleep } from 'node:timers/promises';
import { CliError } from '../common/errors';
import { channelPeers } from '../fabric/discovery';
import { loadIdentity } from '../fabric/msp-identity';
import { peerEndpoint } from '../local/endpoints';
import { connectAs, type GatewaySession } from '../local/gateway-client';
import type { LocalNetwork } from '../local/network';

/**
 * Waits until the Fabric Gateway of every organisation's first peer can find an endorsing peer of
 * every other organisation for the chaincode, as a client's cross-organisation transaction needs
 * (accepting a handover is endorsed by the holder's peers). A peer learns of other organisations'
 * peers through gossip after the channel is joined; until then the Gateway answers "failed to find
 * any endorsing peers". Each check builds and endorses a `GetMetadata` proposal that is never
 * submitted, so nothing is written.
 * @throws CliError naming the pairs that still fail after `timeoutMs`.
 */
export async function waitForEndorsers(net: LocalNetwork, timeoutMs: number): Promise<void> {
  if (!net.topology.traits.gatewayService) return waitForDiscovery(net, timeoutMs);
  const orgs = net.topology.peerOrgs.filter((o) => o.users.length > 0);
  const sessions: [string, GatewaySession][] = [];
  try {
    // Only organisations whose users this directory holds ask (a host of a multi-host network).
    for (const o of orgs.filter((x) => net.localPeerOrgs.includes(x))) {
      const user = o.users[0];
      if (user) sessions.push([o.name, connectAs(net, o.name, user.id)]);
    }
    const pending = new Map<string, string>();
    for (const [from] of sessions) for (const to of orgs) if (to.name !== from) pending.set(`${from} → ${to.name}`, '');
    const deadline = Date.now() + timeoutMs;
    while (pending.size > 0) {
      for (const [from, s] of sessions) {
        for (const to of orgs) {
          const key = `${from} → ${to.name}`;
          if (!pending.has(key)) continue;
          try {
            await s.contract.newProposal('org.hyperledger.fabric:GetMetadata', { endorsingOrganizations: [to.mspId] }).endorse();
            pending.delete(key);
          } catch (err) {
            pending.set(key, (err as Error).message);
          }
        }
      }
      if (pending.size === 0) break;
      if (Date.now() > deadline) {
        const [first] = pending;
        throw new CliError(
          `peers cannot reach each other's endorsers after ${timeoutMs / 1000}s: ${[...pending.keys()].join(', ')} (${first?.[1] ?? ''})`,
          { step: 'chaincode deploy' },
        );
      }
      await sleep(250);
    }
  } finally {
    for (const [, s] of sessions) s.close();
  }
}

/**
 * {@link waitForEndorsers} for peers without a Gateway service (the amb profile's Fabric 2.2):
 * waits until every organisation's first peer's discovery service lists a peer of every other
 * organisation running the chaincode, which is what the fabric-network SDK needs to gather a
 * cross-organisation endorsement. Each check is a signed membership query; nothing is written.
 * @throws CliError naming the pairs that still fail after `timeoutMs`.
 */
async function waitForDiscovery(net: LocalNetwork, timeoutMs: number): Promise<void> {
  const orgs = net.topology.peerOrgs.filter((o) => o.users.length > 0 && o.peers.length > 0);
  const chaincode = net.topology.chaincode.name;
  const pending = new Map<string, string>();
  for (const from of orgs) for (const to of orgs) if (to.name !== from.name) pending.set(`${from.name} → ${to.name}`, '');
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    for (const from of orgs) {
      const user = from.users[0];
      const peer = from.peers[0];
      if (!user || !peer) continue;
      if (![...pending.keys()].some((k) => k.startsWith(`${from.name} → `))) continue;
      try {
        const known = await channelPeers(loadIdentity(from.mspId, net.layout.userMsp(from, user.id)), peerEndpoint(net, peer), net.topology.channel);
        for (const to of orgs) {
          const key = `${from.name} → ${to.name}`;
          if (!pending.has(key)) continue;
          if ((known.get(to.mspId) ?? []).some((p) => p.chaincodes.includes(chaincode))) pending.delete(key);
          else pending.set(key, `${peer.name}'s discovery knows no peer of ${to.mspId} running ${chaincode}`);
        }
      } catch (err) {
        for (const key of pending.keys()) if (key.startsWith(`${from.name} → `)) pending.set(key, (err as Error).message);
      }
    }
    if (pending.size === 0) return;
    if (Date.now() > deadline) {
      const [first] = pending;
      throw new CliError(
        `peers cannot reach each other's endorsers after ${timeoutMs / 1000}s: ${[...pending.keys()].join(', ')} (${first?.[1] ?? ''})`,
        { step: 'chaincode deploy' },
      );
    }
    await sleep(250);
  }
}
