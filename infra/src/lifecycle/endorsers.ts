import { setTimeout as sleep } from 'node:timers/promises';
import { WaybillError } from '../common/errors';
import { connectAs, type GatewaySession } from '../local/gateway-client';
import type { LocalNetwork } from '../local/network';

/**
 * Waits until the Fabric Gateway of every organisation's first peer can find an endorsing peer of
 * every other organisation for the chaincode, as a client's cross-organisation transaction needs
 * (accepting a handover is endorsed by the holder's peers). A peer learns of other organisations'
 * peers through gossip after the channel is joined; until then the Gateway answers "failed to find
 * any endorsing peers". Each check builds and endorses a `GetMetadata` proposal that is never
 * submitted, so nothing is written.
 * @throws WaybillError naming the pairs that still fail after `timeoutMs`.
 */
export async function waitForEndorsers(net: LocalNetwork, timeoutMs: number): Promise<void> {
  const orgs = net.topology.peerOrgs.filter((o) => o.users.length > 0);
  const sessions: [string, GatewaySession][] = [];
  try {
    for (const o of orgs) {
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
        throw new WaybillError(
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
