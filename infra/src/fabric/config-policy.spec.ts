import { common, msp } from '@hyperledger/fabric-protos';
import { missingSignatures } from './config-policy';
import { computeUpdate } from './config-update';

const ORGS = ['CarrierMSP', 'ManufacturerMSP', 'RetailerMSP'];

function policy(p: common.Policy): common.ConfigPolicy {
  const cp = new common.ConfigPolicy();
  cp.setModPolicy('Admins');
  cp.setPolicy(p);
  return cp;
}

function majorityAdmins(): common.ConfigPolicy {
  const m = new common.ImplicitMetaPolicy();
  m.setSubPolicy('Admins');
  m.setRule(common.ImplicitMetaPolicy.Rule.MAJORITY);
  const p = new common.Policy();
  p.setType(common.Policy.PolicyType.IMPLICIT_META);
  p.setValue(m.serializeBinary());
  return policy(p);
}

function orgAdmins(mspId: string): common.ConfigPolicy {
  const role = new msp.MSPRole();
  role.setMspIdentifier(mspId);
  role.setRole(msp.MSPRole.MSPRoleType.ADMIN);
  const principal = new msp.MSPPrincipal();
  principal.setPrincipal(role.serializeBinary());
  const rule = new common.SignaturePolicy();
  rule.setSignedBy(0);
  const gate = new common.SignaturePolicy.NOutOf();
  gate.setN(1);
  gate.setRulesList([rule]);
  const root = new common.SignaturePolicy();
  root.setNOutOf(gate);
  const env = new common.SignaturePolicyEnvelope();
  env.setRule(root);
  env.setIdentitiesList([principal]);
  const p = new common.Policy();
  p.setType(common.Policy.PolicyType.SIGNATURE);
  p.setValue(env.serializeBinary());
  return policy(p);
}

/** A channel shaped like the local network's: three organisations, majority of admins. */
function channel(): common.Config {
  const app = new common.ConfigGroup();
  app.setModPolicy('Admins');
  app.getPoliciesMap().set('Admins', majorityAdmins());
  for (const id of ORGS) {
    const org = new common.ConfigGroup();
    org.setModPolicy('Admins');
    org.getPoliciesMap().set('Admins', orgAdmins(id));
    const v = new common.ConfigValue();
    v.setModPolicy('Admins');
    v.setValue(Buffer.from(`msp of ${id}`));
    org.getValuesMap().set('MSP', v);
    app.getGroupsMap().set(id, org);
  }
  const root = new common.ConfigGroup();
  root.getGroupsMap().set('Application', app);
  const c = new common.Config();
  c.setChannelGroup(root);
  return c;
}

function edited(edit: (app: common.ConfigGroup) => void): common.ConfigUpdate {
  const before = channel();
  const after = common.Config.deserializeBinary(before.serializeBinary());
  const app = after.getChannelGroup()?.getGroupsMap().get('Application');
  if (!app) throw new Error('no Application group');
  edit(app);
  return computeUpdate('supplychain', before, after);
}

describe('missing signatures of a configuration update', () => {
  const crl = edited((app) => app.getGroupsMap().get('CarrierMSP')?.getValuesMap().get('MSP')?.setValue(Buffer.from('msp with a CRL')));
  const removal = edited((app) => app.getGroupsMap().del('RetailerMSP'));

  it("an organisation's own MSP (its CRL) needs that organisation's admin only", () => {
    expect(missingSignatures(channel(), crl, new Set())).toEqual([
      { element: '/Channel/Application/CarrierMSP/MSP', policy: '/Channel/Application/CarrierMSP/Admins', missing: '1 more admin signature(s) of CarrierMSP' },
    ]);
    expect(missingSignatures(channel(), crl, new Set(['RetailerMSP']))).toHaveLength(1);
    expect(missingSignatures(channel(), crl, new Set(['CarrierMSP']))).toEqual([]);
  });

  it('a change of the organisation set needs a majority of admins, naming who could still sign', () => {
    expect(missingSignatures(channel(), removal, new Set(['ManufacturerMSP']))).toEqual([
      {
        element: '/Channel/Application',
        policy: '/Channel/Application/Admins',
        missing: '1 more admin signature(s) of CarrierMSP, RetailerMSP',
      },
    ]);
    expect(missingSignatures(channel(), removal, new Set(['ManufacturerMSP', 'CarrierMSP']))).toEqual([]);
  });
});
