import { common, orderer } from '@hyperledger/fabric-protos';
import { seekNewest } from './seek-newest';

function sdkRequest(): Uint8Array {
  const channelHeader = new common.ChannelHeader();
  channelHeader.setChannelId('supplychain');
  channelHeader.setType(common.HeaderType.DELIVER_SEEK_INFO);
  const signatureHeader = new common.SignatureHeader();
  signatureHeader.setCreator(Buffer.from('creator'));
  const header = new common.Header();
  header.setChannelHeader(channelHeader.serializeBinary());
  header.setSignatureHeader(signatureHeader.serializeBinary());
  const from = new orderer.SeekSpecified();
  from.setNumber(0);
  const start = new orderer.SeekPosition();
  start.setSpecified(from);
  const seek = new orderer.SeekInfo();
  seek.setStart(start);
  const payload = new common.Payload();
  payload.setHeader(header);
  payload.setData(seek.serializeBinary());
  const envelope = new common.Envelope();
  envelope.setPayload(payload.serializeBinary());
  envelope.setSignature(Buffer.from('old signature'));
  return envelope.serializeBinary();
}

describe('seekNewest', () => {
  it('keeps the SDK’s header, asks for the newest block only and drops the signature', () => {
    const original = common.Envelope.deserializeBinary(sdkRequest());
    const rewritten = common.Envelope.deserializeBinary(seekNewest(sdkRequest()));
    expect(rewritten.getSignature_asU8()).toHaveLength(0);
    const payload = common.Payload.deserializeBinary(rewritten.getPayload_asU8());
    expect(payload.getHeader()?.serializeBinary()).toEqual(
      common.Payload.deserializeBinary(original.getPayload_asU8()).getHeader()?.serializeBinary(),
    );
    const seek = orderer.SeekInfo.deserializeBinary(payload.getData_asU8());
    expect(seek.getStart()?.hasNewest()).toBe(true);
    expect(seek.getStop()?.hasNewest()).toBe(true);
    expect(seek.getBehavior()).toBe(orderer.SeekInfo.SeekBehavior.BLOCK_UNTIL_READY);
  });

  it('refuses a request without a header', () => {
    const envelope = new common.Envelope();
    envelope.setPayload(new common.Payload().serializeBinary());
    expect(() => seekNewest(envelope.serializeBinary())).toThrow('the Deliver request has no header');
  });
});
