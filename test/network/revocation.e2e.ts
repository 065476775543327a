import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { connectAs, runWaybill, waybill } from '../support/fabric';

/**
 * Identities end to end on the shared stack: an identity registered and enrolled through the
 * Fabric CA REST API transacts; once revoked and its organisation's CRL is in the channel (a
 * configuration update signed by that organisation's admin), every peer refuses it while the
 * organisation's other users carry on.
 */
describe('identity revocation reaches the channel', () => {
  const work = mkdtempSync(path.join(os.tmpdir(), 'waybill-revoke-'));
  const user = `revoked-${Date.now().toString(36)}`;
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  const endorse = async (id: string): Promise<string> => {
    const s = connectAs('Carrier', id);
    try {
      await s.contract.newProposal('org.hyperledger.fabric:GetMetadata').endorse();
      return 'endorsed';
    } catch (err) {
      const e = err as { details?: { message: string }[]; message: string };
      return [e.message, ...(e.details ?? []).map((d) => d.message)].join(' | ');
    } finally {
      s.close();
    }
  };

  it('registers with a single-use secret from a file and enrols once', async () => {
    const secret = path.join(work, 'secret');
    await waybill(['identity', 'register', user, '--org', 'Carrier', '--role', 'carrier', '--secret-out', secret]);
    const enrolled = JSON.parse(await waybill(['identity', 'enroll', user, '--org', 'Carrier', '--secret-file', secret])) as { subject: string };
    expect(enrolled.subject).toContain(`CN=${user}`);
    rmSync(path.join(testMsp(user)), { recursive: true, force: true });
    const again = await runWaybill(['identity', 'enroll', user, '--org', 'Carrier', '--secret-file', secret]);
    expect({ code: again.code, stderr: again.stderr }).toMatchObject({ code: 1, stderr: expect.stringMatching(/Authentication failure/) as string });
    // Enrolled for good (the first enrolment's files were removed above, so enrol a second identity).
    await waybill(['identity', 'register', `${user}-b`, '--org', 'Carrier', '--role', 'carrier', '--secret-out', `${secret}-b`]);
    await waybill(['identity', 'enroll', `${user}-b`, '--org', 'Carrier', '--secret-file', `${secret}-b`]);
    expect(await endorse(`${user}-b`)).toBe('endorsed');
  });

  it('a CRL update without the organisation admin is refused naming it; signed, the revoked identity is refused by the peers', async () => {
    const revoked = `${user}-b`;
    // --no-channel: the channel update is made by hand here, to show a refusal without the signature.
    await waybill(['identity', 'revoke', revoked, '--org', 'Carrier', '--reason', 'keycompromise', '--no-channel']);
    const file = path.join(work, 'crl.update');
    await waybill(['channel', 'update', 'crl', '--org', 'Carrier', '--out', file]);
    const short = await runWaybill(['channel', 'submit', file, '--org', 'Carrier']);
    expect({ code: short.code, stderr: short.stderr }).toEqual({
      code: 1,
      stderr:
        'waybill: not enough signatures (signed by nobody): /Channel/Application/CarrierMSP/MSP needs 1 more admin signature(s) of CarrierMSP (/Channel/Application/CarrierMSP/Admins)\n',
    });
    await waybill(['channel', 'sign', file, '--org', 'Carrier']);
    await waybill(['channel', 'submit', file, '--org', 'Carrier']);
    expect(await endorse(revoked)).toMatch(/access denied|revoked|creator/i);
    expect(await endorse('carrier-user1')).toBe('endorsed');
  });
});

function testMsp(id: string): string {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { dir } = require('../support/env') as { dir: string };
  return path.join(dir, 'orgs', 'carrier', 'users', id);
}
