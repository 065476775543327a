import { processKind } from './process-kind';

describe('processKind', () => {
  it.each([
    ['api.manufacturer', 'gateway'],
    ['peer0.carrier', 'peer'],
    ['peer1.manufacturer', 'peer'],
    ['orderer2', 'orderer'],
    ['chaincode', 'chaincode'],
    ['chaincode.retailer', 'chaincode'],
    ['ca.orderer', 'ca'],
    ['postgres', undefined],
  ])('classifies the PID file %s as %s', (name, kind) => {
    expect(processKind(name)).toBe(kind);
  });
});
