import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { applicationOrgGroup, currentConfig } from '../../infra/src/local/channel-admin';
import { adminIdentity, orgOf } from '../../infra/src/local/endpoints';
import { selfSignedPem } from '../../infra/src/testing/x509';
import { runWaybill, testNetwork, waybill } from '../support/fabric';

/** A partner's public MSP folder: its own (new) CA as enrolment and TLS root, Node OUs. */
async function partnerMsp(dir: string): Promise<void> {
  const ca = await selfSignedPem('ca.partner.example', 365, true);
  for (const d of ['cacerts', 'tlscacerts']) {
    mkdirSync(path.join(dir, d), { recursive: true });
    writeFileSync(path.join(dir, d, 'ca.pem'), ca);
  }
  const ou = (n: string): string => `  ${n}OUIdentifier:\n    Certificate: cacerts/ca.pem\n    OrganizationalUnitIdentifier: ${n.toLowerCase()}\n`;
  writeFileSync(path.join(dir, 'config.yaml'), `NodeOUs:\n  Enable: true\n${ou('Client')}${ou('Peer')}${ou('Admin')}${ou('Orderer')}`);
}

describe('partner organisations: onboarding and removal by majority', () => {
  const net = testNetwork();
  const work = mkdtempSync(path.join(os.tmpdir(), 'waybill-onboard-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it("defines an organisation exactly as configtxgen did for the founders (policies and MSP, byte for byte)", async () => {
    const carrier = orgOf(net, 'Carrier');
    const config = await currentConfig(net, adminIdentity(net, carrier));
    const inChannel = config.getChannelGroup()?.getGroupsMap().get('Application')?.getGroupsMap().get('CarrierMSP');
    const ours = applicationOrgGroup('CarrierMSP', net.layout.orgMsp(carrier));
    for (const name of ['Readers', 'Writers', 'Admins', 'Endorsement']) {
      expect(Buffer.from(ours.getPoliciesMap().get(name)?.serializeBinary() ?? []).toString('hex')).toBe(
        Buffer.from(inChannel?.getPoliciesMap().get(name)?.serializeBinary() ?? [1]).toString('hex'),
      );
    }
    expect(Buffer.from(ours.getValuesMap().get('MSP')?.getValue_asU8() ?? []).toString('hex')).toBe(
      Buffer.from(inChannel?.getValuesMap().get('MSP')?.getValue_asU8() ?? [1]).toString('hex'),
    );
  });

  it('adds a partner once a majority of admins signed, one by one; one signature short is refused naming who is missing', async () => {
    const msp = path.join(work, 'partner-msp');
    await partnerMsp(msp);
    const file = path.join(work, 'add-partner.update');
    const created = JSON.parse(
      await waybill(['org', 'add', '--org', 'Manufacturer', '--msp-id', 'PartnerMSP', '--msp-dir', msp, '--anchor-peer', 'localhost:7051', '--out', file, '--sign']),
    ) as { signedBy: string[]; missing: { element: string; missing: string }[] };
    expect(created).toMatchObject({
      signedBy: ['ManufacturerMSP'],
      missing: [{ element: '/Channel/Application', missing: '2 more admin signature(s) of AuthorityMSP, CarrierMSP, RetailerMSP' }],
    });
    const short = await runWaybill(['channel', 'submit', file, '--org', 'Manufacturer']);
    expect({ code: short.code, stderr: short.stderr }).toEqual({
      code: 1,
      stderr:
        'waybill: not enough signatures (signed by ManufacturerMSP): /Channel/Application needs 2 more admin signature(s) of AuthorityMSP, CarrierMSP, RetailerMSP (/Channel/Application/Admins)\n',
    });
    await waybill(['channel', 'sign', file, '--org', 'Retailer']);
    await waybill(['channel', 'sign', file, '--org', 'Authority']);
    await waybill(['channel', 'submit', file, '--org', 'Carrier']);
    const shown = JSON.parse(await waybill(['channel', 'config', 'show', '--org', 'Carrier'])) as {
      channel_group: { groups: { Application: { groups: Record<string, { values: { AnchorPeers?: { value: unknown } } }> } } };
    };
    expect(Object.keys(shown.channel_group.groups.Application.groups).sort()).toEqual(['AuthorityMSP', 'CarrierMSP', 'ManufacturerMSP', 'PartnerMSP', 'RetailerMSP']);
    expect(shown.channel_group.groups.Application.groups['PartnerMSP']?.values.AnchorPeers?.value).toEqual([{ host: 'localhost', port: 7051 }]);
  });

  it('removes the partner with three of five admins (the partner is not asked)', async () => {
    const file = path.join(work, 'remove-partner.update');
    await waybill(['org', 'remove', '--org', 'Retailer', '--msp-id', 'PartnerMSP', '--out', file, '--sign']);
    await waybill(['channel', 'sign', file, '--org', 'Carrier']);
    const short = await runWaybill(['channel', 'submit', file, '--org', 'Carrier']);
    expect(short.code).toBe(1);
    expect(short.stderr).toContain('needs 1 more admin signature(s) of AuthorityMSP, ManufacturerMSP, PartnerMSP');
    await waybill(['channel', 'sign', file, '--org', 'Manufacturer']);
    await waybill(['channel', 'submit', file, '--org', 'Manufacturer']);
    const config = await currentConfig(net, adminIdentity(net, orgOf(net, 'Carrier')));
    expect([...(config.getChannelGroup()?.getGroupsMap().get('Application')?.getGroupsMap().keys() ?? [])].sort()).toEqual(['AuthorityMSP', 'CarrierMSP', 'ManufacturerMSP', 'RetailerMSP']);
  });
});
