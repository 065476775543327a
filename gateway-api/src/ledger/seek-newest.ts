import { common, orderer } from '@hyperledger/fabric-protos';

/**
 * A Deliver request for the newest block only, from one the SDK built (`startBlock` whatever):
 * its header — channel, creator, timestamp, TLS binding — is kept, its seek becomes newest to
 * newest. The result is unsigned; the SDK signs it when sent.
 * @throws Error when `envelopeBytes` is not an envelope with a payload.
 */
export function seekNewest(envelopeBytes: Uint8Array): Uint8Array {
  const built = common.Envelope.deserializeBinary(envelopeBytes);
  const payload = common.Payload.deserializeBinary(built.getPayload_asU8());
  if (!payload.hasHeader()) throw new Error('the Deliver request has no header');
  const newest = new orderer.SeekPosition();
  newest.setNewest(new orderer.SeekNewest());
  const seek = new orderer.SeekInfo();
  seek.setStart(newest);
  seek.setStop(newest);
  seek.setBehavior(orderer.SeekInfo.SeekBehavior.BLOCK_UNTIL_READY);
  payload.setData(seek.serializeBinary());
  const request = new common.Envelope();
  request.setPayload(payload.serializeBinary());
  return request.serializeBinary();
}
