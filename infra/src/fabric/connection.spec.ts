import * as grpc from '@grpc/grpc-js';
import { common, orderer } from '@hyperledger/fabric-protos';
import { generateKeyPairSync } from 'node:crypto';
import { selfSignedPair } from '../testing/x509';
import { broadcast, type Endpoint, fetchBlock } from './connection';
import type { SigningIdentity } from './identity';
import { newNativeSigner } from '@waybill/fabric-signer';

/**
 * An orderer stand-in (Deliver and Broadcast on one TLS port) whose answers the test scripts: a
 * channel without a Raft leader answers SERVICE_UNAVAILABLE until its election ends, which the
 * CLI waits out (seen in CI: the anchor-peer update right after the channel was created).
 */
describe('orderer calls while the channel has no Raft leader', () => {
  let server: grpc.Server;
  let ep: Endpoint;
  let answers: number[] = [];
  let asked = 0;
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const id: SigningIdentity = { mspId: 'OrdererMSP', certificate: Buffer.from('orderer admin'), sign: newNativeSigner(privateKey) };
  const ser = (m: { serializeBinary(): Uint8Array }): Buffer => Buffer.from(m.serializeBinary());
  /** The next scripted status; SUCCESS once the script is used up. */
  const next = (): number => {
    asked++;
    return answers.shift() ?? common.Status.SUCCESS;
  };

  beforeAll(async () => {
    const tls = await selfSignedPair('localhost', 1);
    server = new grpc.Server();
    const method = <Req, Res>(path: string): grpc.MethodDefinition<Req, Res> => ({
      path,
      requestStream: true,
      responseStream: true,
      requestSerialize: ser as never,
      requestDeserialize: ((b: Buffer) => common.Envelope.deserializeBinary(b)) as never,
      responseSerialize: ser as never,
      responseDeserialize: (() => undefined) as never,
    });
    server.addService(
      { deliver: method('/orderer.AtomicBroadcast/Deliver'), broadcast: method('/orderer.AtomicBroadcast/Broadcast') },
      {
        deliver: (call: grpc.ServerDuplexStream<common.Envelope, orderer.DeliverResponse>) => {
          call.once('data', () => {
            const status = next();
            const r = new orderer.DeliverResponse();
            if (status === common.Status.SUCCESS) {
              const block = new common.Block();
              const header = new common.BlockHeader();
              header.setNumber(3);
              block.setHeader(header);
              r.setBlock(block);
            } else r.setStatus(status);
            call.write(r);
          });
          call.on('cancelled', () => undefined);
        },
        broadcast: (call: grpc.ServerDuplexStream<common.Envelope, orderer.BroadcastResponse>) => {
          call.on('data', () => {
            const r = new orderer.BroadcastResponse();
            r.setStatus(next());
            r.setInfo(r.getStatus() === common.Status.SUCCESS ? '' : 'no Raft leader');
            call.write(r);
          });
          call.on('end', () => call.end());
        },
      },
    );
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createSsl(null, [{ cert_chain: Buffer.from(tls.cert), private_key: Buffer.from(tls.key) }]), (e, p) =>
        e ? reject(e) : resolve(p),
      ),
    );
    ep = { name: 'orderer0', address: `localhost:${port}`, tlsRootCert: Buffer.from(tls.cert) };
  });
  afterAll(() => server.forceShutdown());
  beforeEach(() => {
    answers = [];
    asked = 0;
  });

  it('fetches a block once the orderer has a leader again', async () => {
    answers = [common.Status.SERVICE_UNAVAILABLE, common.Status.SERVICE_UNAVAILABLE];
    const block = await fetchBlock(ep, id, 'supplychain', 'newest');
    expect(block.getHeader()?.getNumber()).toBe(3);
    expect(asked).toBe(3);
  });

  it('broadcasts once the orderer has a leader again', async () => {
    answers = [common.Status.SERVICE_UNAVAILABLE];
    await expect(broadcast(ep, new common.Envelope())).resolves.toBeUndefined();
    expect(asked).toBe(2);
  });

  it('does not retry a refusal that waiting cannot change', async () => {
    answers = [common.Status.FORBIDDEN];
    await expect(fetchBlock(ep, id, 'supplychain', 'newest')).rejects.toThrow('orderer0 deliver: FORBIDDEN');
    answers = [common.Status.BAD_REQUEST];
    await expect(broadcast(ep, new common.Envelope())).rejects.toThrow('orderer0 refused the transaction: BAD_REQUEST');
    expect(asked).toBe(2);
  });
});
