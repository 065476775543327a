import { FakeClientIdentity } from './fake-client-identity';

describe('FakeClientIdentity', () => {
  it('answers like fabric-shim’s ClientIdentity for MSP id and attributes', () => {
    const id = new FakeClientIdentity('Org1MSP', { 'waybill.role': 'carrier' });
    expect(id.getMSPID()).toBe('Org1MSP');
    expect(id.getAttributeValue('waybill.role')).toBe('carrier');
    expect(id.getAttributeValue('hf.EnrollmentID')).toBeNull();
    expect(id.assertAttributeValue('waybill.role', 'carrier')).toBe(true);
    expect(id.assertAttributeValue('waybill.role', 'admin')).toBe(false);
    expect(id.getID()).toBe('x509::/OU=client/CN=test-user::/CN=ca.Org1MSP');
    expect(id.getIDBytes()).toHaveLength(0);
  });
});
