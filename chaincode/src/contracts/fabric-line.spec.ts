import { KeyEndorsementPolicy } from 'fabric-shim';
import { common, msp } from '@hyperledger/fabric-protos';
import { holdersPolicy, majorityPolicy } from './endorsement';
import { canPurgePrivateData, endorserRole, fabricLine, resetFabricLine } from './fabric-line';

function roles(policy: Uint8Array): number[] {
  return common.SignaturePolicyEnvelope.deserializeBinary(policy)
    .getIdentitiesList()
    .map((p) => msp.MSPRole.deserializeBinary(p.getPrincipal_asU8()).getRole());
}

describe('the Fabric line the chaincode runs on', () => {
  const saved = process.env['WAYBILL_FABRIC_LINE'];
  afterEach(() => {
    if (saved === undefined) delete process.env['WAYBILL_FABRIC_LINE'];
    else process.env['WAYBILL_FABRIC_LINE'] = saved;
    resetFabricLine();
  });

  it('is 2.5 by default: key-level policies require peers, private data is purged', () => {
    delete process.env['WAYBILL_FABRIC_LINE'];
    resetFabricLine();
    expect(fabricLine()).toBe('2.5');
    expect(endorserRole()).toBe('PEER');
    expect(canPurgePrivateData()).toBe(true);
    expect(roles(holdersPolicy(['B', 'A']))).toEqual([msp.MSPRole.MSPRoleType.PEER, msp.MSPRole.MSPRoleType.PEER]);
    expect(roles(majorityPolicy(['A', 'B', 'C']))).toEqual(Array(3).fill(msp.MSPRole.MSPRoleType.PEER));
  });

  it('on 2.2 (AMB: admincerts MSPs, V2_0 channels) requires members and deletes instead of purging', () => {
    process.env['WAYBILL_FABRIC_LINE'] = '2.2';
    resetFabricLine();
    expect(endorserRole()).toBe('MEMBER');
    expect(canPurgePrivateData()).toBe(false);
    expect(roles(holdersPolicy(['B', 'A']))).toEqual([msp.MSPRole.MSPRoleType.MEMBER, msp.MSPRole.MSPRoleType.MEMBER]);
    expect(new KeyEndorsementPolicy(holdersPolicy(['B', 'A'])).listOrgs()).toEqual(['A', 'B']);
    expect(roles(majorityPolicy(['A', 'B', 'C']))).toEqual(Array(3).fill(msp.MSPRole.MSPRoleType.MEMBER));
  });

  it('refuses an unknown line', () => {
    process.env['WAYBILL_FABRIC_LINE'] = '2.4';
    resetFabricLine();
    expect(() => fabricLine()).toThrow("WAYBILL_FABRIC_LINE must be 2.2 or 2.5, not '2.4'");
  });
});
