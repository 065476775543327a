import { common, ledger, msp, peer } from '@hyperledger/fabric-protos';
import { Timestamp } from 'google-protobuf/google/protobuf/timestamp_pb';
import { decodeBlock, validationCodeName } from './block-decoder';

/** A read-write set: public writes and private collection writes per namespace. */
function rwset(
  namespaces: { ns: string; keys: string[]; policyKeys?: string[]; collections?: string[]; deleted?: string[] }[],
): Uint8Array {
  const tx = new ledger.rwset.TxReadWriteSet();
  tx.setNsRwsetList(
    namespaces.map((n) => {
      const kv = new ledger.rwset.kvrwset.KVRWSet();
      kv.setWritesList(
        n.keys.map((k) => {
          const w = new ledger.rwset.kvrwset.KVWrite();
          w.setKey(k);
          if (n.deleted?.includes(k)) w.setIsDelete(true);
          else w.setValue(Buffer.from(`v:${k}`));
          return w;
        }),
      );
      kv.setMetadataWritesList(
        (n.policyKeys ?? []).map((k) => {
          const m = new ledger.rwset.kvrwset.KVMetadataWrite();
          m.setKey(k);
          return m;
        }),
      );
      const set = new ledger.rwset.NsReadWriteSet();
      set.setNamespace(n.ns);
      set.setRwset(kv.serializeBinary());
      set.setCollectionHashedRwsetList(
        (n.collections ?? []).map((c) => {
          const hashed = new ledger.rwset.kvrwset.HashedRWSet();
          const hw = new ledger.rwset.kvrwset.KVWriteHash();
          hw.setKeyHash(Buffer.from('h'));
          hashed.setHashedWritesList([hw]);
          const coll = new ledger.rwset.CollectionHashedReadWriteSet();
          coll.setCollectionName(c);
          coll.setHashedRwset(hashed.serializeBinary());
          return coll;
        }),
      );
      return set;
    }),
  );
  return tx.serializeBinary();
}

function envelope(txId: string, mspId: string, event?: { name: string; payload: string }, results?: Uint8Array): Uint8Array {
  const channelHeader = new common.ChannelHeader();
  channelHeader.setType(common.HeaderType.ENDORSER_TRANSACTION);
  channelHeader.setTxId(txId);
  const ts = new Timestamp();
  ts.setSeconds(1_700_000_000);
  ts.setNanos(250_000_000);
  channelHeader.setTimestamp(ts);
  const creator = new msp.SerializedIdentity();
  creator.setMspid(mspId);
  const signatureHeader = new common.SignatureHeader();
  signatureHeader.setCreator(creator.serializeBinary());
  const header = new common.Header();
  header.setChannelHeader(channelHeader.serializeBinary());
  header.setSignatureHeader(signatureHeader.serializeBinary());

  const chaincodeAction = new peer.ChaincodeAction();
  if (results) chaincodeAction.setResults(results);
  if (event) {
    const ccEvent = new peer.ChaincodeEvent();
    ccEvent.setChaincodeId('waybill');
    ccEvent.setTxId(txId);
    ccEvent.setEventName(event.name);
    ccEvent.setPayload(Buffer.from(event.payload));
    chaincodeAction.setEvents(ccEvent.serializeBinary());
  }
  const responsePayload = new peer.ProposalResponsePayload();
  responsePayload.setExtension$(chaincodeAction.serializeBinary());
  const endorsedAction = new peer.ChaincodeEndorsedAction();
  endorsedAction.setProposalResponsePayload(responsePayload.serializeBinary());
  const actionPayload = new peer.ChaincodeActionPayload();
  actionPayload.setAction(endorsedAction);
  const action = new peer.TransactionAction();
  action.setPayload(actionPayload.serializeBinary());
  const transaction = new peer.Transaction();
  transaction.setActionsList([action]);

  const payload = new common.Payload();
  payload.setHeader(header);
  payload.setData(transaction.serializeBinary());
  const env = new common.Envelope();
  env.setPayload(payload.serializeBinary());
  return env.serializeBinary();
}

describe('decodeBlock', () => {
  it('gives each transaction its id, timestamp, creator, validation code and chaincode event', () => {
    const block = new common.Block();
    const header = new common.BlockHeader();
    header.setNumber(42);
    block.setHeader(header);
    const data = new common.BlockData();
    data.setDataList([
      envelope('tx1', 'ManufacturerMSP', { name: 'AssetCreated', payload: '{"assetId":"A"}' }),
      envelope('tx2', 'CarrierMSP'),
      new Uint8Array([1, 2, 3]),
    ]);
    block.setData(data);
    const metadata = new common.BlockMetadata();
    metadata.setMetadataList([
      new Uint8Array(),
      new Uint8Array(),
      new Uint8Array(),
      new Uint8Array([0, 11, 0]),
    ]);
    // TRANSACTIONS_FILTER is index 2
    metadata.setMetadataList([new Uint8Array(), new Uint8Array(), new Uint8Array([0, 11, 0])]);
    block.setMetadata(metadata);

    const decoded = decodeBlock(block);
    expect(decoded.number).toBe(42n);
    expect(decoded.bytes).toEqual(block.serializeBinary());
    expect(decoded.transactions).toMatchObject([
      {
        txId: 'tx1',
        type: 'ENDORSER_TRANSACTION',
        timestamp: new Date(1_700_000_000_250),
        validationCode: 'VALID',
        creatorMspId: 'ManufacturerMSP',
        chaincodeEvents: [
          {
            chaincode: 'waybill',
            name: 'AssetCreated',
            payload: Buffer.from('{"assetId":"A"}'),
            writes: { keys: [], collections: [] },
          },
        ],
      },
      { txId: 'tx2', validationCode: 'MVCC_READ_CONFLICT', creatorMspId: 'CarrierMSP', chaincodeEvents: [] },
      { txId: '', type: 'UNDECODABLE', validationCode: 'VALID', chaincodeEvents: [] },
    ]);
  });

  it('gives each event what its transaction wrote in the chaincode’s namespace (keys, policies, collections)', () => {
    const block = new common.Block();
    block.setHeader(new common.BlockHeader());
    const data = new common.BlockData();
    const results = rwset([
      { ns: '_lifecycle', keys: ['elsewhere'] },
      { ns: 'waybill', keys: ['\u0000asset\u0000A\u0000', '\u0000status~id\u0000CREATED\u0000A\u0000'], policyKeys: ['\u0000asset\u0000A\u0000'], collections: ['_implicit_org_RetailerMSP'] },
    ]);
    data.setDataList([envelope('tx1', 'RetailerMSP', { name: 'StatusChanged', payload: '{"assetId":"A"}' }, results)]);
    block.setData(data);
    const [tx] = decodeBlock(block).transactions;
    expect(tx?.chaincodeEvents[0]?.writes).toEqual({
      keys: ['\u0000asset\u0000A\u0000', '\u0000status~id\u0000CREATED\u0000A\u0000'],
      collections: ['_implicit_org_RetailerMSP'],
    });
  });

  it('gives each event the values its transaction wrote to public keys of the chaincode (null: deleted)', () => {
    const block = new common.Block();
    block.setHeader(new common.BlockHeader());
    const data = new common.BlockData();
    const results = rwset([
      { ns: '_lifecycle', keys: ['elsewhere'] },
      { ns: 'waybill', keys: ['\u0000asset\u0000A\u0000', '\u0000asset\u0000B\u0000'], deleted: ['\u0000asset\u0000B\u0000'] },
    ]);
    data.setDataList([envelope('tx1', 'RetailerMSP', { name: 'StatusChanged', payload: '{"assetId":"A"}' }, results)]);
    block.setData(data);
    const written = decodeBlock(block).transactions[0]?.chaincodeEvents[0]?.written;
    expect([...(written ?? new Map<string, Uint8Array | null>())].map(([k, v]) => [k, v && Buffer.from(v).toString()])).toEqual([
      ['\u0000asset\u0000A\u0000', 'v:\u0000asset\u0000A\u0000'],
      ['\u0000asset\u0000B\u0000', null],
    ]);
  });

  it('names validation codes', () => {
    expect([0, 10, 11, 12, 254, 999].map(validationCodeName)).toEqual([
      'VALID',
      'ENDORSEMENT_POLICY_FAILURE',
      'MVCC_READ_CONFLICT',
      'PHANTOM_READ_CONFLICT',
      'NOT_VALIDATED',
      'UNKNOWN_999',
    ]);
  });
});
