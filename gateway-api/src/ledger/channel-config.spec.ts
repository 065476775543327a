import { common, msp, orderer } from '@hyperledger/fabric-protos';
import { orderingServiceOfConfigBlock as orderingServiceOf } from './channel-config';

function value(bytes: Uint8Array): common.ConfigValue {
  const v = new common.ConfigValue();
  v.setValue(bytes);
  return v;
}

function addresses(list: string[]): Uint8Array {
  const a = new common.OrdererAddresses();
  a.setAddressesList(list);
  return a.serializeBinary();
}

function ordererOrg(mspId: string, endpoints?: string[]): common.ConfigGroup {
  const fabric = new msp.FabricMSPConfig();
  fabric.setName(mspId);
  const config = new msp.MSPConfig();
  config.setConfig(fabric.serializeBinary());
  const org = new common.ConfigGroup();
  org.getValuesMap().set('MSP', value(config.serializeBinary()));
  if (endpoints) org.getValuesMap().set('Endpoints', value(addresses(endpoints)));
  return org;
}

function raft(consenters: [string, number][]): Uint8Array {
  const metadata = new orderer.etcdraft.ConfigMetadata();
  metadata.setConsentersList(
    consenters.map(([host, port]) => {
      const c = new orderer.etcdraft.Consenter();
      c.setHost(host);
      c.setPort(port);
      return c;
    }),
  );
  const type = new orderer.ConsensusType();
  type.setType('etcdraft');
  type.setMetadata(metadata.serializeBinary());
  return type.serializeBinary();
}

function config(build: (channel: common.ConfigGroup, ordererGroup: common.ConfigGroup) => void): Uint8Array {
  const channel = new common.ConfigGroup();
  const ordererGroup = new common.ConfigGroup();
  channel.getGroupsMap().set('Orderer', ordererGroup);
  channel.getGroupsMap().set('Application', new common.ConfigGroup());
  build(channel, ordererGroup);
  const c = new common.Config();
  c.setChannelGroup(channel);
  return configBlock(c);
}

/** A config block as `cscc GetConfigBlock` answers: one envelope whose payload is a ConfigEnvelope. */
function configBlock(c: common.Config): Uint8Array {
  const configEnvelope = new common.ConfigEnvelope();
  configEnvelope.setConfig(c);
  const payload = new common.Payload();
  payload.setHeader(new common.Header());
  payload.setData(configEnvelope.serializeBinary());
  const envelope = new common.Envelope();
  envelope.setPayload(payload.serializeBinary());
  const data = new common.BlockData();
  data.setDataList([envelope.serializeBinary()]);
  const block = new common.Block();
  block.setData(data);
  return block.serializeBinary();
}

describe('orderingServiceOfConfigBlock', () => {
  it('lists each orderer organisation’s endpoints with its MSP ID, the consensus type and the Raft consenters', () => {
    const bytes = config((_, o) => {
      o.getValuesMap().set(
        'ConsensusType',
        value(
          raft([
            ['orderer2.local', 7152],
            ['orderer1.local', 7052],
          ]),
        ),
      );
      o.getGroupsMap().set(
        'OrdererOrg',
        ordererOrg('OrdererMSP', ['orderer2.local:7150', 'orderer1.local:7050']),
      );
      o.getGroupsMap().set('Other', ordererOrg('AnotherOrdererMSP', ['o.example:443']));
    });
    expect(orderingServiceOf(bytes)).toEqual({
      consensusType: 'etcdraft',
      orderers: [
        { mspId: 'AnotherOrdererMSP', endpoint: 'o.example:443' },
        { mspId: 'OrdererMSP', endpoint: 'orderer1.local:7050' },
        { mspId: 'OrdererMSP', endpoint: 'orderer2.local:7150' },
      ],
      consenters: ['orderer1.local:7052', 'orderer2.local:7152'],
    });
  });

  it('falls back to the channel-wide legacy addresses, which name no organisation', () => {
    const bytes = config((channel, o) => {
      const type = new orderer.ConsensusType();
      type.setType('solo');
      o.getValuesMap().set('ConsensusType', value(type.serializeBinary()));
      o.getGroupsMap().set('OrdererOrg', ordererOrg('OrdererMSP'));
      channel.getValuesMap().set('OrdererAddresses', value(addresses(['orderer.amb.example:30001'])));
    });
    expect(orderingServiceOf(bytes)).toEqual({
      consensusType: 'solo',
      orderers: [{ mspId: undefined, endpoint: 'orderer.amb.example:30001' }],
      consenters: [],
    });
  });

  it('refuses a configuration without an Orderer group, and a block without a transaction', () => {
    const c = new common.Config();
    c.setChannelGroup(new common.ConfigGroup());
    expect(() => orderingServiceOf(configBlock(c))).toThrow('the channel configuration has no Orderer group');
    expect(() => orderingServiceOf(new common.Block().serializeBinary())).toThrow(
      'the config block has no transaction',
    );
  });
});
