import { common, ledger, msp, peer } from '@hyperledger/fabric-protos';
import type { LedgerBlock, LedgerBlockTransaction } from './ledger.port';

const HEADER_TYPE_NAMES = invert(common.HeaderType);
const VALIDATION_CODE_NAMES = invert(peer.TxValidationCode);

/** Name of a Fabric transaction validation code (`11` → `MVCC_READ_CONFLICT`). */
export function validationCodeName(code: number): string {
  return VALIDATION_CODE_NAMES.get(code) ?? `UNKNOWN_${code}`;
}

/**
 * Decodes a Fabric block into SDK-independent form: per transaction its ID, type, timestamp,
 * validation code, creator MSP and chaincode events. Undecodable envelopes are reported with type
 * `UNDECODABLE` rather than failing the whole block: a block is a fact, whatever it contains.
 */
export function decodeBlock(block: common.Block): LedgerBlock {
  const number = BigInt(block.getHeader()?.getNumber() ?? 0);
  const envelopes = block.getData()?.getDataList_asU8() ?? [];
  const filter = block.getMetadata()?.getMetadataList_asU8()[common.BlockMetadataIndex.TRANSACTIONS_FILTER];
  const transactions = envelopes.map((bytes, i) => decodeEnvelope(bytes, filter?.[i]));
  return { number, transactions, bytes: block.serializeBinary() };
}

function decodeEnvelope(bytes: Uint8Array, code: number | undefined): LedgerBlockTransaction {
  const validationCode = code === undefined ? 'NOT_VALIDATED' : validationCodeName(code);
  try {
    const payload = common.Payload.deserializeBinary(
      common.Envelope.deserializeBinary(bytes).getPayload_asU8(),
    );
    const header = payload.getHeader();
    const channelHeader = common.ChannelHeader.deserializeBinary(
      header?.getChannelHeader_asU8() ?? new Uint8Array(),
    );
    const signatureHeader = common.SignatureHeader.deserializeBinary(
      header?.getSignatureHeader_asU8() ?? new Uint8Array(),
    );
    const creator = signatureHeader.getCreator_asU8();
    const ts = channelHeader.getTimestamp();
    const type = channelHeader.getType();
    return {
      txId: channelHeader.getTxId(),
      type: HEADER_TYPE_NAMES.get(type) ?? `UNKNOWN_${type}`,
      timestamp: ts ? new Date(ts.getSeconds() * 1000 + Math.floor(ts.getNanos() / 1e6)) : undefined,
      validationCode,
      creatorMspId:
        creator.length > 0 ? msp.SerializedIdentity.deserializeBinary(creator).getMspid() : undefined,
      chaincodeEvents:
        type === common.HeaderType.ENDORSER_TRANSACTION ? chaincodeEvents(payload.getData_asU8()) : [],
    };
  } catch {
    return {
      txId: '',
      type: 'UNDECODABLE',
      timestamp: undefined,
      validationCode,
      creatorMspId: undefined,
      chaincodeEvents: [],
    };
  }
}

function chaincodeEvents(transactionBytes: Uint8Array): LedgerBlockTransaction['chaincodeEvents'] {
  const events: LedgerBlockTransaction['chaincodeEvents'][number][] = [];
  for (const action of peer.Transaction.deserializeBinary(transactionBytes).getActionsList()) {
    const actionPayload = peer.ChaincodeActionPayload.deserializeBinary(action.getPayload_asU8());
    const responsePayload = peer.ProposalResponsePayload.deserializeBinary(
      actionPayload.getAction()?.getProposalResponsePayload_asU8() ?? new Uint8Array(),
    );
    const chaincodeAction = peer.ChaincodeAction.deserializeBinary(responsePayload.getExtension_asU8());
    const eventBytes = chaincodeAction.getEvents_asU8();
    if (eventBytes.length === 0) continue;
    const event = peer.ChaincodeEvent.deserializeBinary(eventBytes);
    if (event.getEventName() === '') continue;
    const { keys, collections, written } = writesOf(chaincodeAction.getResults_asU8(), event.getChaincodeId());
    events.push({
      chaincode: event.getChaincodeId(),
      name: event.getEventName(),
      payload: event.getPayload_asU8(),
      writes: { keys, collections },
      written,
    });
  }
  return events;
}

/**
 * What the action wrote in the chaincode's own namespace: public keys (values and key-level
 * policies), the public values by key, and the private collections it wrote or purged (as
 * hashes, whatever the peer).
 */
function writesOf(
  results: Uint8Array,
  namespace: string,
): { keys: string[]; collections: string[]; written: Map<string, Uint8Array | null> } {
  const keys = new Set<string>();
  const collections = new Set<string>();
  const written = new Map<string, Uint8Array | null>();
  if (results.length === 0) return { keys: [], collections: [], written };
  for (const ns of ledger.rwset.TxReadWriteSet.deserializeBinary(results).getNsRwsetList()) {
    if (ns.getNamespace() !== namespace) continue;
    const kv = ledger.rwset.kvrwset.KVRWSet.deserializeBinary(ns.getRwset_asU8());
    kv.getWritesList().forEach((w) => {
      keys.add(w.getKey());
      written.set(w.getKey(), w.getIsDelete() ? null : w.getValue_asU8());
    });
    kv.getMetadataWritesList().forEach((w) => keys.add(w.getKey()));
    for (const coll of ns.getCollectionHashedRwsetList()) {
      const hashed = ledger.rwset.kvrwset.HashedRWSet.deserializeBinary(coll.getHashedRwset_asU8());
      if (hashed.getHashedWritesList().length > 0 || hashed.getMetadataWritesList().length > 0) {
        collections.add(coll.getCollectionName());
      }
    }
  }
  return { keys: [...keys].sort(), collections: [...collections].sort(), written };
}

function invert(map: object): Map<number, string> {
  return new Map(Object.entries(map).map(([name, value]) => [value as number, name]));
}
