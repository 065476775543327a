import * as grpc from '@grpc/grpc-js';
import { discovery, gossip } from '@hyperledger/fabric-protos';
import { CliError } from '../common/errors';
import type { Endpoint } from './connection';
import { serializeIdentity, type SigningIdentity } from './identity';

/** A peer as another peer's discovery service knows it: its endpoint and the chaincodes it runs. */
export interface DiscoveredPeer {
  readonly endpoint: string;
  readonly chaincodes: readonly string[];
}

const DISCOVER = '/discovery.Discovery/Discover';

/**
 * Asks a peer's discovery service (Fabric ≥ 1.2, served by 2.2 peers, which have no Gateway
 * service) which peers of the channel it knows, by MSP ID: what gossip has taught it. A client
 * that endorses across organisations (the fabric-network SDK) can only reach the peers listed here.
 * @throws CliError when the peer is unreachable or answers with an error.
 */
export async function channelPeers(
  id: SigningIdentity,
  ep: Endpoint,
  channel: string,
  timeoutMs = 10_000,
): Promise<Map<string, DiscoveredPeer[]>> {
  const auth = new discovery.AuthInfo();
  auth.setClientIdentity(serializeIdentity(id));
  const query = new discovery.Query();
  query.setChannel(channel);
  query.setPeerQuery(new discovery.PeerMembershipQuery());
  const request = new discovery.Request();
  request.setAuthentication(auth);
  request.setQueriesList([query]);
  const payload = request.serializeBinary();
  const signed = new discovery.SignedRequest();
  signed.setPayload(payload);
  signed.setSignature(await id.sign(payload));

  const client = new grpc.Client(ep.address, grpc.credentials.createSsl(Buffer.from(ep.tlsRootCert)), {
    ...(ep.hostnameOverride ? { 'grpc.ssl_target_name_override': ep.hostnameOverride } : {}),
  });
  let response: discovery.Response;
  try {
    response = await new Promise<discovery.Response>((resolve, reject) =>
      client.makeUnaryRequest(
        DISCOVER,
        (m: discovery.SignedRequest) => Buffer.from(m.serializeBinary()),
        (b: Buffer) => discovery.Response.deserializeBinary(b),
        signed,
        new grpc.Metadata(),
        { deadline: Date.now() + timeoutMs },
        (err, r) => (err || !r ? reject(err ?? new Error('no response')) : resolve(r)),
      ),
    );
  } catch (err) {
    throw new CliError(`${ep.name} (${ep.address}) discovery did not answer: ${(err as grpc.ServiceError).details || (err as Error).message}`);
  } finally {
    client.close();
  }
  const result = response.getResultsList()[0];
  const error = result?.getError()?.getContent();
  if (!result || error) throw new CliError(`${ep.name} discovery: ${error ?? 'no result'}`);
  const out = new Map<string, DiscoveredPeer[]>();
  result
    .getMembers()
    ?.getPeersByOrgMap()
    .forEach((peers, mspId) => {
      out.set(
        mspId,
        peers.getPeersList().map((p) => {
          const state = p.getStateInfo();
          const stateMsg = state ? gossip.GossipMessage.deserializeBinary(state.getPayload_asU8()).getStateInfo() : undefined;
          const alive = p.getMembershipInfo();
          const aliveMsg = alive ? gossip.GossipMessage.deserializeBinary(alive.getPayload_asU8()).getAliveMsg() : undefined;
          return {
            endpoint: aliveMsg?.getMembership()?.getEndpoint() ?? '',
            chaincodes: stateMsg?.getProperties()?.getChaincodesList().map((c) => c.getName()) ?? [],
          };
        }),
      );
    });
  return out;
}
