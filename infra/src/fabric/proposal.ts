import { common, peer } from '@hyperledger/fabric-protos';
import { Timestamp } from 'google-protobuf/google/protobuf/timestamp_pb';
import { createHash, randomBytes } from 'node:crypto';
import { serializeIdentity, type SigningIdentity } from './identity';

/** What a chaincode proposal invokes: `fn(args…)` of `chaincode` on `channel` ('' for none). */
export interface ProposalInput {
  readonly channel: string;
  readonly chaincode: string;
  readonly fn: string;
  readonly args?: readonly Uint8Array[];
  /** Header type; endorser transaction unless said (cscc's JoinChain is sent as CONFIG). */
  readonly type?: number;
}

/** A proposal with its transaction ID, signed or still to sign. */
export interface BuiltProposal {
  readonly txId: string;
  readonly proposal: peer.Proposal;
}

/**
 * The `ChaincodeProposalPayload` bytes of an invocation: what `peer chaincode invoke` and the
 * `peer lifecycle` commands send, byte for byte (checked against golden files from `peer`).
 */
export function proposalPayload(input: ProposalInput): Uint8Array {
  const cc = new peer.ChaincodeID();
  cc.setName(input.chaincode);
  const ci = new peer.ChaincodeInput();
  ci.setArgsList([new TextEncoder().encode(input.fn), ...(input.args ?? [])]);
  const spec = new peer.ChaincodeSpec();
  spec.setChaincodeId(cc);
  spec.setInput(ci);
  const invocation = new peer.ChaincodeInvocationSpec();
  invocation.setChaincodeSpec(spec);
  const payload = new peer.ChaincodeProposalPayload();
  payload.setInput(invocation.serializeBinary());
  return payload.serializeBinary();
}

/** The header extension naming the chaincode, as every endorser transaction carries it. */
export function chaincodeHeaderExtension(chaincode: string): Uint8Array {
  const cc = new peer.ChaincodeID();
  cc.setName(chaincode);
  const ext = new peer.ChaincodeHeaderExtension();
  ext.setChaincodeId(cc);
  return ext.serializeBinary();
}

/** Channel header of an endorser transaction (or any `type`) created now. */
export function channelHeader(type: number, channel: string, txId: string, extension?: Uint8Array): common.ChannelHeader {
  const h = new common.ChannelHeader();
  h.setType(type);
  h.setChannelId(channel);
  h.setTxId(txId);
  h.setEpoch(0);
  const now = Date.now();
  const t = new Timestamp();
  t.setSeconds(Math.floor(now / 1000));
  t.setNanos((now % 1000) * 1_000_000);
  h.setTimestamp(t);
  if (extension) h.setExtension$(extension);
  return h;
}

/** A fresh nonce and the transaction ID Fabric derives from it: hex(SHA-256(nonce ‖ creator)). */
export function newTransactionContext(id: Pick<SigningIdentity, 'mspId' | 'certificate'>): {
  nonce: Uint8Array;
  creator: Uint8Array;
  txId: string;
} {
  const nonce = randomBytes(24);
  const creator = serializeIdentity(id);
  const txId = createHash('sha256').update(nonce).update(creator).digest('hex');
  return { nonce, creator, txId };
}

export function signatureHeader(creator: Uint8Array, nonce: Uint8Array): common.SignatureHeader {
  const sh = new common.SignatureHeader();
  sh.setCreator(creator);
  sh.setNonce(nonce);
  return sh;
}

/** Builds an (unsigned) endorser proposal from `id`. */
export function newProposal(id: Pick<SigningIdentity, 'mspId' | 'certificate'>, input: ProposalInput): BuiltProposal {
  const ctx = newTransactionContext(id);
  const header = new common.Header();
  header.setChannelHeader(
    channelHeader(input.type ?? common.HeaderType.ENDORSER_TRANSACTION, input.channel, ctx.txId, chaincodeHeaderExtension(input.chaincode)).serializeBinary(),
  );
  header.setSignatureHeader(signatureHeader(ctx.creator, ctx.nonce).serializeBinary());
  const proposal = new peer.Proposal();
  proposal.setHeader(header.serializeBinary());
  proposal.setPayload(proposalPayload(input));
  return { txId: ctx.txId, proposal };
}

/** Signs a proposal as `id`. */
export async function signProposal(id: SigningIdentity, proposal: peer.Proposal): Promise<peer.SignedProposal> {
  const bytes = proposal.serializeBinary();
  const signed = new peer.SignedProposal();
  signed.setProposalBytes(bytes);
  signed.setSignature(await id.sign(bytes));
  return signed;
}

/**
 * The transaction envelope of endorsed responses (all from one proposal), signed by the
 * proposal's creator, as the ordering service expects it.
 */
export async function newTransactionEnvelope(
  id: SigningIdentity,
  proposal: peer.Proposal,
  responses: readonly peer.ProposalResponse[],
): Promise<common.Envelope> {
  const first = responses[0];
  if (!first) throw new Error('no endorsements');
  const header = common.Header.deserializeBinary(proposal.getHeader_asU8());
  const original = peer.ChaincodeProposalPayload.deserializeBinary(proposal.getPayload_asU8());
  // The transient map never reaches the ledger.
  const payloadForTx = new peer.ChaincodeProposalPayload();
  payloadForTx.setInput(original.getInput_asU8());
  const endorsed = new peer.ChaincodeEndorsedAction();
  endorsed.setProposalResponsePayload(first.getPayload_asU8());
  endorsed.setEndorsementsList(responses.map((r) => r.getEndorsement()).filter((e): e is peer.Endorsement => e !== undefined));
  const action = new peer.ChaincodeActionPayload();
  action.setChaincodeProposalPayload(payloadForTx.serializeBinary());
  action.setAction(endorsed);
  const txAction = new peer.TransactionAction();
  txAction.setHeader(header.getSignatureHeader_asU8());
  txAction.setPayload(action.serializeBinary());
  const tx = new peer.Transaction();
  tx.setActionsList([txAction]);
  const payload = new common.Payload();
  payload.setHeader(header);
  payload.setData(tx.serializeBinary());
  return signEnvelope(id, payload);
}

/** Serialises and signs a payload into an envelope. */
export async function signEnvelope(id: SigningIdentity, payload: common.Payload): Promise<common.Envelope> {
  const bytes = payload.serializeBinary();
  const env = new common.Envelope();
  env.setPayload(bytes);
  env.setSignature(await id.sign(bytes));
  return env;
}
