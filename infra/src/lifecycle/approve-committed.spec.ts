import { lifecycle } from '@hyperledger/fabric-protos/lib/peer';
import { approveArgs, approveCommittedArgs, validationParameter } from './lifecycle';

describe('approving the committed definition (an organisation that joined after the commit)', () => {
  const policy = "OutOf(3, 'ManufacturerMSP.peer', 'CarrierMSP.peer', 'RetailerMSP.peer', 'AuthorityMSP.peer', 'ForwarderMSP.peer')";

  function committed(plugins: { endorsement: string; validation: string }): lifecycle.QueryChaincodeDefinitionResult {
    const c = new lifecycle.QueryChaincodeDefinitionResult();
    c.setSequence(7);
    c.setVersion('abc123');
    c.setEndorsementPlugin(plugins.endorsement);
    c.setValidationPlugin(plugins.validation);
    c.setValidationParameter(validationParameter(policy));
    return c;
  }

  it('is byte for byte the approval the members made for that definition, with its own package', () => {
    const mine = approveCommittedArgs('waybill', committed({ endorsement: '', validation: '' }), 'waybill_ccaas_x:01');
    const members = approveArgs({ channel: 'supplychain', name: 'waybill', version: 'abc123', sequence: 7, signaturePolicy: policy, packageId: 'waybill_ccaas_x:01' });
    expect(Buffer.from(mine).toString('hex')).toBe(Buffer.from(members).toString('hex'));
  });

  it('copies what the peer stored (plugins, policy, init flag)', () => {
    const args = lifecycle.ApproveChaincodeDefinitionForMyOrgArgs.deserializeBinary(
      approveCommittedArgs('waybill', committed({ endorsement: 'escc', validation: 'vscc' }), 'pkg:1'),
    );
    expect(args.toObject()).toMatchObject({
      name: 'waybill',
      sequence: 7,
      version: 'abc123',
      endorsementPlugin: 'escc',
      validationPlugin: 'vscc',
      initRequired: false,
      source: { localPackage: { packageId: 'pkg:1' } },
    });
    expect(Buffer.from(args.getValidationParameter_asU8())).toEqual(Buffer.from(validationParameter(policy)));
  });
});
