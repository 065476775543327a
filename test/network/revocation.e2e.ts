import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { connectAs, env, gatewayEnv, runWaybill, waybill } from '../support/fabric';

/**
 * Identities end to end on the shared stack: an identity registered and enrolled through the
 * Fabric CA REST API transacts; once revoked and its organisation's CRL is in the channel (a
 * configuration update signed by that organisation's admin), every peer refuses it while the
 * organisation's other users carry on.
 */
describe('identity revocation reaches the channel', () => {
  const work = mkdtempSync(path.join(os.tmpdir(), 'waybill-revoke-'));
  const user = `revoked-${Date.now().toString(36)}`;
  let api: CarrierGateway | undefined;
  afterAll(async () => {
    await api?.stop();
    rmSync(work, { recursive: true, force: true });
  });

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
    // Its organisation's gateway serves it (a second Carrier gateway whose profile lists it).
    api = await startCarrierGateway(work, `${user}-b`);
    const read = await api.get(`${user}-b`, '/v1/assets/NO-SUCH-LOT');
    expect({ status: read.status, code: read.body.code }).toEqual({ status: 404, code: 'ASSET_NOT_FOUND' });
  }, 120_000);

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
    // Through the API: the peers' refusal, as problem+json with its reason; other users carry on.
    if (!api) throw new Error('the Carrier gateway of this suite did not start');
    const refused = await api.get(revoked, '/v1/assets/NO-SUCH-LOT');
    expect(refused.type).toMatch(/^application\/problem\+json/);
    expect({ status: refused.status, code: refused.body.code }).toEqual({ status: 403, code: 'IDENTITY_REFUSED' });
    expect(refused.body.detail).toMatch(/revoked|access denied/i);
    const other = await api.get('carrier-user1', '/v1/assets/NO-SUCH-LOT');
    expect({ status: other.status, code: other.body.code }).toEqual({ status: 404, code: 'ASSET_NOT_FOUND' });
  });
});

function testMsp(id: string): string {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { dir } = require('../support/env') as { dir: string };
  return path.join(dir, 'orgs', 'carrier', 'users', id);
}

interface CarrierGateway {
  get(identity: string, urlPath: string): Promise<{ status: number; type: string; body: Record<string, string> }>;
  stop(): Promise<void>;
}

/**
 * A second Carrier gateway process on the shared network (its own port and database), whose
 * connection profile adds `identity` to the organisation's identities, with an API key for it and
 * for carrier-user1.
 */
async function startCarrierGateway(work: string, identity: string): Promise<CarrierGateway> {
  const base = gatewayEnv('carrier');
  const profile = JSON.parse(readFileSync(base.WAYBILL_PROFILE ?? '', 'utf8')) as { identities: object[] };
  const msp = testMsp(identity);
  profile.identities.push({
    id: identity,
    role: 'carrier',
    certPath: path.join(msp, 'msp', 'signcerts', 'cert.pem'),
    keyPath: path.join(msp, 'msp', 'keystore', 'key.pem'),
  });
  const profilePath = path.join(work, 'carrier-profile.json');
  writeFileSync(profilePath, JSON.stringify(profile));
  const port = Number(env.basePort) + 1096;
  const childEnv: NodeJS.ProcessEnv = {
    ...base,
    WAYBILL_PROFILE: profilePath,
    PORT: String(port),
    DATABASE_URL: path.join(work, 'gateway.sqlite'),
    WAYBILL_EVENTS_ENABLED: 'false',
  };
  const dist = path.join(env.root, 'gateway-api', 'dist');
  const keys: Record<string, string> = {};
  for (const id of [identity, 'carrier-user1']) {
    const out = execFileSync(process.execPath, [path.join(dist, 'admin.js'), 'keys', 'create', '--identity', id, '--name', `revocation-${id}`, '--json'], {
      env: childEnv,
      encoding: 'utf8',
      timeout: 60_000,
    });
    keys[id] = (JSON.parse(out) as { key: string }).key;
  }
  const logFile = path.join(work, 'gateway.log');
  const child: ChildProcess = spawn(process.execPath, [path.join(dist, 'main.js')], {
    env: childEnv,
    stdio: ['ignore', openSync(logFile, 'w'), openSync(logFile, 'a')],
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 90_000;
  while (!(await fetch(`${url}/health/ready`).then((r) => r.status === 200, () => false))) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`the Carrier gateway did not get ready; see ${logFile}`);
    await new Promise((r) => setTimeout(r, 500));
  }
  return {
    async get(id, urlPath) {
      const res = await fetch(`${url}${urlPath}`, { headers: { 'x-api-key': keys[id] ?? '' } });
      return { status: res.status, type: res.headers.get('content-type') ?? '', body: (await res.json()) as Record<string, string> };
    },
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    },
  };
}
