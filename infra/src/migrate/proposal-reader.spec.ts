import * as grpc from '@grpc/grpc-js';
import { common, msp, peer } from '@hyperledger/fabric-protos';
import { generateKeyPairSync } from 'node:crypto';
import { openEndorser, type EndorserConnection, type Endpoint } from '../fabric/connection';
import type { SigningIdentity } from '../fabric/identity';
import { newNativeSigner } from '@waybill/fabric-signer';
import { selfSignedPair } from '../testing/x509';
import { blockHeaderHash, blockRefOf } from './block-hash';
import { newProposalEvaluate } from './proposal-reader';
import { newLedgerReader } from './reader';

/**
 * The 2.2 path of `waybill migrate`: queries as signed proposals to a stand-in peer's Endorser
 * service (no Gateway service), decoded into the reader's pages and block references. The real
 * AMB-shaped network runs the same path in test/network/migration-amb.e2e.ts.
 */
describe('migrate reader over signed proposals (Fabric 2.2 peers)', () => {
  let server: grpc.Server;
  let ep: Endpoint;
  const seen: { channel: string; chaincode: string; args: string[]; creatorMsp: string }[] = [];
  let answer: (chaincode: string, args: string[]) => { status: number; message?: string; payload?: Uint8Array };
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const id: SigningIdentity = { mspId: 'm-ABCDEF', certificate: Buffer.from('member admin certificate'), sign: newNativeSigner(privateKey) };
  const ser = (m: { serializeBinary(): Uint8Array }): Buffer => Buffer.from(m.serializeBinary());

  beforeAll(async () => {
    const tls = await selfSignedPair('localhost', 1);
    server = new grpc.Server();
    server.addService(
      {
        processProposal: {
          path: '/protos.Endorser/ProcessProposal',
          requestStream: false,
          responseStream: false,
          requestSerialize: ser as never,
          requestDeserialize: (b: Buffer) => peer.SignedProposal.deserializeBinary(b),
          responseSerialize: ser as never,
          responseDeserialize: (() => undefined) as never,
        },
      },
      {
        processProposal: (call: grpc.ServerUnaryCall<peer.SignedProposal, peer.ProposalResponse>, cb: grpc.sendUnaryData<peer.ProposalResponse>) => {
          const proposal = peer.Proposal.deserializeBinary(call.request.getProposalBytes_asU8());
          const header = common.Header.deserializeBinary(proposal.getHeader_asU8());
          const ch = common.ChannelHeader.deserializeBinary(header.getChannelHeader_asU8());
          const creator = common.SignatureHeader.deserializeBinary(header.getSignatureHeader_asU8()).getCreator_asU8();
          const spec = peer.ChaincodeInvocationSpec.deserializeBinary(peer.ChaincodeProposalPayload.deserializeBinary(proposal.getPayload_asU8()).getInput_asU8()).getChaincodeSpec();
          const chaincode = spec?.getChaincodeId()?.getName() ?? '';
          const args = (spec?.getInput()?.getArgsList_asU8() ?? []).map((a) => Buffer.from(a).toString('utf8'));
          seen.push({ channel: ch.getChannelId(), chaincode, args, creatorMsp: msp.SerializedIdentity.deserializeBinary(creator).getMspid() });
          const a = answer(chaincode, args);
          const r = new peer.ProposalResponse();
          const resp = new peer.Response();
          resp.setStatus(a.status);
          resp.setMessage(a.message ?? '');
          if (a.payload) resp.setPayload(a.payload);
          r.setResponse(resp);
          cb(null, r);
        },
      },
    );
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createSsl(null, [{ cert_chain: Buffer.from(tls.cert), private_key: Buffer.from(tls.key) }]), (e, p) =>
        e ? reject(e) : resolve(p),
      ),
    );
    ep = { name: 'nd-peer0', address: `localhost:${port}`, tlsRootCert: Buffer.from(tls.cert) };
  });
  afterAll(() => server.forceShutdown());
  const opened: EndorserConnection[] = [];
  const endorser = (e: Endpoint): EndorserConnection => {
    const c = openEndorser(e);
    opened.push(c);
    return c;
  };
  beforeEach(() => {
    seen.length = 0;
  });
  afterEach(() => {
    for (const c of opened.splice(0)) c.close();
  });

  it("reads the contract's export pages and a transaction's block from the one peer, as the caller", async () => {
    const block = new common.Block();
    const h = new common.BlockHeader();
    h.setNumber(41);
    h.setPreviousHash(Buffer.alloc(32, 1));
    h.setDataHash(Buffer.alloc(32, 2));
    block.setHeader(h);
    answer = (chaincode, args) =>
      chaincode === 'qscc'
        ? { status: 200, payload: block.serializeBinary() }
        : args[0] === 'exportAssets'
          ? { status: 200, payload: Buffer.from(JSON.stringify({ records: [{ id: 'LOT-1' }], bookmark: 'b2' })) }
          : { status: 200, payload: Buffer.from(JSON.stringify({ assetId: args[1], entries: [] })) };
    const reader = newLedgerReader('supplychain', 'm-ABCDEF', newProposalEvaluate(id, endorser(ep), 'supplychain', 'waybill'), blockRefOf);
    await expect(reader.exportAssets(50, '')).resolves.toEqual({ records: [{ id: 'LOT-1' }], bookmark: 'b2' });
    await expect(reader.assetHistory('LOT-1')).resolves.toEqual({ assetId: 'LOT-1', entries: [] });
    await expect(reader.blockOf('tx9')).resolves.toEqual({ blockNumber: 41, blockHash: blockHeaderHash(41n, Buffer.alloc(32, 1), Buffer.alloc(32, 2)) });
    expect(seen).toEqual([
      { channel: 'supplychain', chaincode: 'waybill', args: ['exportAssets', '50', ''], creatorMsp: 'm-ABCDEF' },
      { channel: 'supplychain', chaincode: 'waybill', args: ['getAssetHistory', 'LOT-1'], creatorMsp: 'm-ABCDEF' },
      { channel: 'supplychain', chaincode: 'qscc', args: ['GetBlockByTxID', 'supplychain', 'tx9'], creatorMsp: 'm-ABCDEF' },
    ]);
  });

  it("rejects with the chaincode's own message when the peer refuses", async () => {
    answer = () => ({ status: 500, message: 'FORBIDDEN: exportAssets needs the admin role' });
    const reader = newLedgerReader('supplychain', 'm-ABCDEF', newProposalEvaluate(id, endorser(ep), 'supplychain', 'waybill'), blockRefOf);
    await expect(reader.exportRecalls(10, '')).rejects.toThrow('nd-peer0 refused: FORBIDDEN: exportAssets needs the admin role');
  });

  it('names the peer when it does not answer', async () => {
    const reader = newLedgerReader('supplychain', 'm-ABCDEF', newProposalEvaluate(id, endorser({ ...ep, address: 'localhost:1' }), 'supplychain', 'waybill', 2_000), blockRefOf);
    await expect(reader.exportAssets(1, '')).rejects.toThrow(/nd-peer0 \(localhost:1\) did not answer/);
  });
});
