import type { EndorserConnection } from '../fabric/connection';
import type { SigningIdentity } from '../fabric/identity';
import { newProposal, signProposal } from '../fabric/proposal';
import type { Evaluate } from './reader';

/**
 * An {@link Evaluate} that sends a signed proposal straight to one peer's Endorser service, the way
 * the Fabric 2.2 SDKs (fabric-network) evaluate: no Gateway service needed, so it reads AWS Managed
 * Blockchain's 2.2 peers as well as 2.5 ones. The answer is that one peer's, and nothing is ordered.
 * @throws EndorsementError when the peer or the chaincode refuses (the chaincode's message kept).
 * @throws CliError when the peer does not answer.
 */
export function newProposalEvaluate(
  id: SigningIdentity,
  peer: EndorserConnection,
  channel: string,
  chaincodeName: string,
  timeoutMs = 60_000,
): Evaluate {
  const encoder = new TextEncoder();
  return async (chaincode, name, args) => {
    const { proposal } = newProposal(id, {
      channel,
      chaincode: chaincode === 'qscc' ? 'qscc' : chaincodeName,
      fn: name,
      args: args.map((a) => encoder.encode(a)),
    });
    const response = await peer.processProposal(await signProposal(id, proposal), timeoutMs);
    return response.getResponse()?.getPayload_asU8() ?? new Uint8Array();
  };
}
