import * as grpc from '@grpc/grpc-js';
import { common, orderer, peer } from '@hyperledger/fabric-protos';
import { generateKeyPairSync } from 'node:crypto';
import type { PeerEndpoint } from '../fabric/connection';
import type { SigningIdentity } from '../fabric/identity';
import { newNativeSigner } from '@waybill/fabric-signer';
import { selfSignedPair } from '../testing/x509';
import { approveForMyOrg, queryCommitted } from './lifecycle';

/**
 * The submit path of the lifecycle against stand-ins for a peer (Endorser, filtered Deliver) and
 * an orderer (Broadcast) on one TLS port: what is sent where, and how commit and invalidation are
 * reported. The real network runs the same path in the end-to-end suites.
 */
describe('lifecycle transactions (endorse, broadcast, wait for commit)', () => {
  let server: grpc.Server;
  let ep: PeerEndpoint;
  let validationCode = peer.TxValidationCode.VALID;
  let broadcasts: common.Envelope[] = [];
  let endorseAnswer: { status: number; message: string } = { status: 200, message: '' };
  const waiting: ((txId: string) => void)[] = [];
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const id: SigningIdentity = { mspId: 'CarrierMSP', certificate: Buffer.from('carrier admin certificate'), sign: newNativeSigner(privateKey) };
  const ser = (m: { serializeBinary(): Uint8Array }): Buffer => Buffer.from(m.serializeBinary());
  const def = { channel: 'supplychain', name: 'waybill', version: 'v1', sequence: 1, signaturePolicy: "OR('CarrierMSP.peer')", packageId: 'waybill_1:ab' };

  beforeAll(async () => {
    const tls = await selfSignedPair('localhost', 1);
    server = new grpc.Server();
    const method = <Req, Res>(path: string, req: (b: Buffer) => Req, requestStream: boolean, responseStream: boolean): grpc.MethodDefinition<Req, Res> => ({
      path,
      requestStream,
      responseStream,
      requestSerialize: ser as never,
      requestDeserialize: req,
      responseSerialize: ser as never,
      responseDeserialize: (() => undefined) as never,
    });
    server.addService(
      {
        processProposal: method('/protos.Endorser/ProcessProposal', (b) => peer.SignedProposal.deserializeBinary(b), false, false),
        broadcast: method('/orderer.AtomicBroadcast/Broadcast', (b) => common.Envelope.deserializeBinary(b), true, true),
        deliverFiltered: method('/protos.Deliver/DeliverFiltered', (b) => common.Envelope.deserializeBinary(b), true, true),
      },
      {
        processProposal: (call: grpc.ServerUnaryCall<peer.SignedProposal, peer.ProposalResponse>, cb: grpc.sendUnaryData<peer.ProposalResponse>) => {
          const r = new peer.ProposalResponse();
          const resp = new peer.Response();
          resp.setStatus(endorseAnswer.status);
          resp.setMessage(endorseAnswer.message);
          r.setResponse(resp);
          r.setPayload(Buffer.from('result'));
          const e = new peer.Endorsement();
          e.setEndorser(Buffer.from('peer0.carrier'));
          e.setSignature(Buffer.from('sig'));
          r.setEndorsement(e);
          cb(null, r);
        },
        broadcast: (call: grpc.ServerDuplexStream<common.Envelope, orderer.BroadcastResponse>) => {
          call.on('data', (env: common.Envelope) => {
            broadcasts.push(env);
            const r = new orderer.BroadcastResponse();
            r.setStatus(common.Status.SUCCESS);
            call.write(r);
            const ch = common.ChannelHeader.deserializeBinary(common.Payload.deserializeBinary(env.getPayload_asU8()).getHeader()?.getChannelHeader_asU8() ?? new Uint8Array());
            for (const w of waiting) w(ch.getTxId());
          });
          call.on('end', () => call.end());
        },
        deliverFiltered: (call: grpc.ServerDuplexStream<common.Envelope, peer.DeliverResponse>) => {
          const block = (n: number, txIds: string[]): peer.DeliverResponse => {
            const fb = new peer.FilteredBlock();
            fb.setChannelId('supplychain');
            fb.setNumber(n);
            fb.setFilteredTransactionsList(
              txIds.map((t) => {
                const ft = new peer.FilteredTransaction();
                ft.setTxid(t);
                ft.setTxValidationCode(validationCode);
                return ft;
              }),
            );
            const r = new peer.DeliverResponse();
            r.setFilteredBlock(fb);
            return r;
          };
          call.once('data', () => call.write(block(7, [])));
          const w = (txId: string): void => void call.write(block(8, [txId]));
          waiting.push(w);
          call.on('cancelled', () => waiting.splice(waiting.indexOf(w), 1));
        },
      },
    );
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createSsl(null, [{ cert_chain: Buffer.from(tls.cert), private_key: Buffer.from(tls.key) }]), (e, p) =>
        e ? reject(e) : resolve(p),
      ),
    );
    ep = { name: 'peer0.carrier', mspId: 'CarrierMSP', address: `localhost:${port}`, tlsRootCert: Buffer.from(tls.cert) };
  });
  afterAll(() => server.forceShutdown());
  beforeEach(() => {
    broadcasts = [];
    validationCode = peer.TxValidationCode.VALID;
    endorseAnswer = { status: 200, message: '' };
  });

  it('approves: endorsed by its own peer, broadcast as one signed transaction, resolved once committed valid', async () => {
    const txId = await approveForMyOrg(id, [ep], ep, def);
    expect(broadcasts).toHaveLength(1);
    const payload = common.Payload.deserializeBinary(broadcasts[0]?.getPayload_asU8() ?? new Uint8Array());
    const ch = common.ChannelHeader.deserializeBinary(payload.getHeader()?.getChannelHeader_asU8() ?? new Uint8Array());
    expect({ type: ch.getType(), channel: ch.getChannelId(), txId: ch.getTxId() }).toEqual({ type: common.HeaderType.ENDORSER_TRANSACTION, channel: 'supplychain', txId });
    const tx = peer.Transaction.deserializeBinary(payload.getData_asU8());
    const action = peer.ChaincodeActionPayload.deserializeBinary(tx.getActionsList()[0]?.getPayload_asU8() ?? new Uint8Array());
    expect(action.getAction()?.getEndorsementsList().map((e) => Buffer.from(e.getEndorser_asU8()).toString())).toEqual(['peer0.carrier']);
  });

  it('names the validation code when the peers invalidate the transaction', async () => {
    validationCode = peer.TxValidationCode.ENDORSEMENT_POLICY_FAILURE;
    await expect(approveForMyOrg(id, [ep], ep, def)).rejects.toThrow(/was invalidated by the peers: ENDORSEMENT_POLICY_FAILURE/);
  });

  it("refuses to approve with another organisation's peer, and reports a peer's refusal with its message", async () => {
    await expect(approveForMyOrg(id, [{ ...ep, mspId: 'RetailerMSP' }], ep, def)).rejects.toThrow('approve for CarrierMSP with its own peers only, not peer0.carrier');
    endorseAnswer = { status: 500, message: 'attempted to define the current sequence (1) for namespace waybill, but: ...' };
    await expect(approveForMyOrg(id, [ep], ep, def)).rejects.toThrow('peer0.carrier refused: attempted to define the current sequence (1)');
    expect(broadcasts).toHaveLength(0);
  });

  it('reads "namespace not defined" as nothing committed', async () => {
    endorseAnswer = { status: 500, message: "query failed: namespace waybill is not defined" };
    await expect(queryCommitted(id, ep, 'supplychain', 'waybill')).resolves.toBeUndefined();
  });
});
