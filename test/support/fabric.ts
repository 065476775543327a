import { resolveNetwork } from '../../infra/src/local/context';
import { connectAs as connectGateway, type GatewaySession } from '../../infra/src/local/gateway-client';
import { apiEnv } from '../../infra/src/local/apis';
import { LocalNetwork } from '../../infra/src/local/network';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const env = require('./env') as { dir: string; basePort: string; root: string; cli: string };

/** The end-to-end network as the infra sees it (same topology, test directory and ports). */
export function testNetwork(): LocalNetwork {
  return new LocalNetwork(resolveNetwork({ dir: env.dir, basePort: Number(env.basePort) }), () => undefined);
}

/**
 * The environment `stack up` runs an organisation's gateway with (profile, database, personal-data
 * KEK…), for the gateway's admin command in tests; `orgKey` as in file names (`manufacturer`).
 */
export function gatewayEnv(orgKey: string): NodeJS.ProcessEnv {
  const net = testNetwork();
  const org = net.topology.peerOrgs.find((o) => o.key === orgKey);
  if (!org) throw new Error(`no organisation ${orgKey} in the topology`);
  return apiEnv(net, org);
}

/** A Fabric Gateway session as one identity of an organisation on the e2e network. */
export function connectAs(org: string, identityId: string, peerIndex = 0): GatewaySession {
  return connectGateway(testNetwork(), org, identityId, peerIndex);
}

const utf8 = new TextDecoder();
export function json<T>(bytes: Uint8Array): T {
  return JSON.parse(utf8.decode(bytes)) as T;
}

/** A fresh identifier for assets created by a test. */
export function uniqueId(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}

export { sampleAssetInput } from '../../infra/src/local/gateway-client';
export { env };
