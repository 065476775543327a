import {
  GetNetworkCommand,
  ListMembersCommand,
  ManagedBlockchainClient,
} from '@aws-sdk/client-managedblockchain';
import { X509Certificate } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCli, type CliResult } from '../../infra/src/testing/cli';
import { parseConnectionProfile } from '../../gateway-api/src/config/profile';
import { awsEnv, startMemberCa, startMoto, type MotoServer } from '../support/moto';

// `waybill aws …` over the real AWS SDK against moto in server mode (the AMB control plane; see
// test/support/moto.ts): a two-member network from a file, idempotent re-apply, an invitation
// voted through and accepted by another account, a node added, destroy; and the one-line errors.

const A = '111111111111';
const B = '222222222222';
const C = '333333333333';
const D = '444444444444';
const CLOSED = '999999999999';
const PASSWORD = 'Waybill2026x';

const fileA = (): string => `account: "${A}"
network:
  name: waybill-e2e
  edition: STARTER
members:
  - name: Manufacturer
    nodes:
      - { instanceType: bc.t3.small, availabilityZone: us-east-1a }
  - name: Carrier
    logs: { ca: true }
    nodes:
      - { instanceType: bc.t3.medium, availabilityZone: us-east-1b, logs: { peer: true } }
`;

const fileB = (networkId: string, nodes: string): string => `account: "${B}"
join: { networkId: ${networkId} }
members:
  - name: Retailer
    nodes: ${nodes}
`;

describe('waybill aws against the AMB control plane (moto)', () => {
  let moto: MotoServer;
  let ca: Awaited<ReturnType<typeof startMemberCa>>;
  let dir: string;
  const file = (name: string, text: string): string => {
    const p = path.join(dir, name);
    writeFileSync(p, text);
    return p;
  };
  const aws = (account: string, args: readonly string[], extra: NodeJS.ProcessEnv = {}): Promise<CliResult> =>
    runCli(
      ['aws', ...args],
      awsEnv(moto, account, { WAYBILL_AMB_ADMIN_PASSWORD: PASSWORD, ...extra }),
      120_000,
    );
  const ok = async (account: string, args: readonly string[]): Promise<string> => {
    const r = await aws(account, args);
    if (r.code !== 0) throw new Error(`waybill aws ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
    return r.stdout;
  };
  const sdk = (account: string): ManagedBlockchainClient =>
    new ManagedBlockchainClient({
      endpoint: moto.url,
      region: 'us-east-1',
      credentials: { accessKeyId: `AKIAWBT0${account}`, secretAccessKey: 'moto-test-secret' },
    });
  /** A refusal: exit 1 and one line on stderr, no stack. */
  const refused = (r: CliResult, pattern: RegExp): void => {
    expect(r.code).toBe(1);
    const lines = r.stderr
      .trim()
      .split('\n')
      .filter((l) => !l.startsWith('[waybill]'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(pattern);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  };

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'waybill-aws-e2e-'));
    ca = await startMemberCa(PASSWORD);
    moto = await startMoto({ closedAccounts: [CLOSED], caEndpoint: ca.endpoint });
  }, 600_000);

  afterAll(async () => {
    await moto?.stop();
    await ca?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  let networkId = '';

  it('plan shows the two-member network; apply creates it, waiting for AMB, and prints the endpoints', async () => {
    const a = file('a.yaml', fileA());
    const plan = await ok(A, ['plan', '-f', a]);
    expect(plan.split('\n')).toEqual([
      'network waybill-e2e',
      '+ network waybill-e2e: STARTER, Fabric 2.2, approval > 50% within 24 h',
      '+ member Manufacturer (created with the network)',
      '+ node of Manufacturer: bc.t3.small in us-east-1a, LevelDB',
      `+ member Carrier (proposal inviting account ${A}, voted YES by this account's member, then accepted)`,
      '+ node of Carrier: bc.t3.medium in us-east-1b, LevelDB',
      '',
    ]);
    const r = await aws(A, ['apply', '-f', a, '--json']);
    expect(r.code).toBe(0);
    // Progress while AMB provisions: CREATING, then AVAILABLE.
    expect(r.stderr).toMatch(/network n-\w+: CREATING/);
    expect(r.stderr).toMatch(/node nd-\w+ of Carrier: AVAILABLE/);
    const result = JSON.parse(r.stdout) as {
      applied: { step: string }[];
      network: {
        id: string;
        status: string;
        frameworkVersion: string;
        members: {
          name: string;
          status: string;
          owned: boolean;
          nodes: { status: string; peerEndpoint: string; logs: { peer: boolean } }[];
          logs: { ca: boolean };
        }[];
      };
    };
    expect(result.applied.map((s) => s.step)).toEqual([
      'create-network',
      'create-node',
      'add-member',
      'create-node',
    ]);
    networkId = result.network.id;
    expect(result.network).toMatchObject({ status: 'AVAILABLE', frameworkVersion: '2.2' });
    expect(result.network.members.map((m) => [m.name, m.status, m.owned, m.nodes.length])).toEqual([
      ['Manufacturer', 'AVAILABLE', true, 1],
      ['Carrier', 'AVAILABLE', true, 1],
    ]);
    const carrier = result.network.members[1];
    expect(carrier?.logs).toEqual({ ca: true });
    expect(carrier?.nodes[0]?.logs.peer).toBe(true);
    expect(carrier?.nodes[0]?.peerEndpoint).toMatch(/:30003$/);
    // What the service holds, read with the SDK directly.
    const { Network } = await sdk(A).send(new GetNetworkCommand({ NetworkId: networkId }));
    expect(Network?.FrameworkAttributes?.Fabric?.OrderingServiceEndpoint).toMatch(/^orderer\..*:30001$/);
  });

  it('apply again changes nothing', async () => {
    const a = path.join(dir, 'a.yaml');
    const r = await aws(A, ['apply', '-f', a]);
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n').slice(0, 2)).toEqual([`network waybill-e2e (${networkId})`, 'no changes']);
    expect(JSON.parse(await ok(A, ['plan', '-f', a, '--json']))).toMatchObject({ networkId, changes: [] });
  });

  it('connect enrols the member admin at the member CA and writes the gateway profile (MSP ID = member ID)', async () => {
    const outDir = path.join(dir, 'connect');
    const r = await aws(A, [
      'connect',
      '--network',
      'waybill-e2e',
      '--member',
      'Manufacturer',
      '--tls-chain',
      ca.tlsCert,
      '--out',
      outDir,
      '--json',
    ]);
    expect(r.stderr).toBe('');
    const written = JSON.parse(r.stdout) as { profileFile: string; mspDir: string; mspId: string };
    const raw = JSON.parse(readFileSync(written.profileFile, 'utf8')) as Record<string, unknown>;
    const parsed = parseConnectionProfile(raw, outDir);
    expect(parsed.problems).toEqual([]);
    expect(parsed.profile).toMatchObject({
      organization: 'Manufacturer',
      mspId: written.mspId,
      channel: 'supplychain',
      chaincode: 'waybill',
      peers: [
        {
          endpoint: expect.stringMatching(/:30003$/) as string,
          tlsRootCertPath: path.join(outDir, 'tls-chain.pem'),
        },
      ],
      identities: [{ id: 'admin', role: 'admin' }],
    });
    expect(written.mspId).toMatch(/^m-[A-Z0-9]{26}$/);
    expect(Object.values(parsed.profile?.organizations ?? {})).toEqual(['Manufacturer', 'Carrier']);
    expect(raw['orderers']).toEqual([
      expect.objectContaining({ endpoint: expect.stringMatching(/^orderer\..*:30001$/) as string }),
    ]);
    // The certificate the member CA issued to its admin, listed under admincerts as AMB MSPs do.
    const cert = new X509Certificate(readFileSync(path.join(written.mspDir, 'signcerts', 'cert.pem')));
    expect(cert.subject).toMatch(/CN=admin/);
    expect(readFileSync(path.join(written.mspDir, 'admincerts', 'cert.pem'), 'utf8')).toBe(cert.toString());
    expect(statSync(path.join(written.mspDir, 'keystore', 'key.pem')).mode & 0o077).toBe(0);
    // A wrong password: CA's refusal in one line, without the secret.
    const wrong = await aws(
      A,
      [
        'connect',
        '--network',
        'waybill-e2e',
        '--member',
        'Carrier',
        '--tls-chain',
        ca.tlsCert,
        '--out',
        path.join(dir, 'wrong'),
      ],
      {
        WAYBILL_AMB_ADMIN_PASSWORD: 'Wrong2026pass',
      },
    );
    refused(wrong, /^waybill: Fabric CA refused enrolment of admin \(HTTP \d+\)/);
    expect(wrong.stderr).not.toContain('Wrong2026pass');
    expect(existsSync(path.join(dir, 'wrong', 'carrier.json'))).toBe(false);
  });

  it('invites a third account by proposal, votes it through, and that account accepts and adds a node', async () => {
    const created = JSON.parse(
      await ok(A, [
        'proposal',
        'create',
        '--network',
        'waybill-e2e',
        '--member',
        'Manufacturer',
        '--invite',
        B,
        '--description',
        'Retailer joins',
        '--json',
      ]),
    ) as { id: string; status: string };
    expect(created.status).toBe('IN_PROGRESS');
    // One YES of two members is 50 %, not > 50 %: still open; the second YES carries it.
    expect(
      JSON.parse(
        await ok(A, [
          'proposal',
          'vote',
          created.id,
          '--network',
          networkId,
          '--member',
          'Manufacturer',
          '--vote',
          'yes',
          '--json',
        ]),
      ),
    ).toMatchObject({ status: 'IN_PROGRESS', yes: 1 });
    // Account B cannot vote with A's member.
    refused(
      await aws(B, [
        'proposal',
        'vote',
        created.id,
        '--network',
        networkId,
        '--member',
        'Carrier',
        '--vote',
        'yes',
      ]),
      /belongs to another account|no network/,
    );
    expect(
      JSON.parse(
        await ok(A, [
          'proposal',
          'vote',
          created.id,
          '--network',
          networkId,
          '--member',
          'Carrier',
          '--vote',
          'yes',
          '--json',
        ]),
      ),
    ).toMatchObject({ status: 'APPROVED', yes: 2 });
    const shown = await ok(A, ['proposal', 'show', created.id, '--network', networkId]);
    expect(shown).toContain(`proposal ${created.id}: APPROVED`);
    expect(shown).toContain(`actions: invite account ${B}`);
    expect(shown).toMatch(/YES Manufacturer/);
    expect(shown).toMatch(/YES Carrier/);

    const invitations = JSON.parse(await ok(B, ['invitation', 'list', '--json'])) as {
      invitations: { id: string; status: string; networkId: string }[];
    };
    expect(invitations.invitations).toEqual([expect.objectContaining({ status: 'PENDING', networkId })]);
    // A sees only its own invitation, the one apply accepted for Carrier; none of B's.
    const own = JSON.parse(await ok(A, ['invitation', 'list', '--json'])) as typeof invitations;
    expect(own.invitations).toEqual([expect.objectContaining({ status: 'ACCEPTED', networkId })]);

    const b = file('b.yaml', fileB(networkId, '[]'));
    expect(await ok(B, ['plan', '-f', b])).toContain(
      `+ member Retailer (accepts invitation ${invitations.invitations[0]?.id ?? ''}`,
    );
    await ok(B, ['apply', '-f', b]);
    const members = await sdk(B).send(new ListMembersCommand({ NetworkId: networkId }));
    expect(members.Members?.map((m) => [m.Name, m.IsOwned])).toEqual([
      ['Manufacturer', false],
      ['Carrier', false],
      ['Retailer', true],
    ]);

    file(
      'b.yaml',
      fileB(networkId, '[{ instanceType: bc.t3.small, availabilityZone: us-east-1c, stateDb: CouchDB }]'),
    );
    const added = await aws(B, ['apply', '-f', b]);
    expect(added.code).toBe(0);
    expect(added.stdout).toContain('+ node of Retailer: bc.t3.small in us-east-1c, CouchDB');
    expect(await ok(B, ['plan', '-f', b])).toContain('no changes');
    // Both proposals, with their outcome: apply's self-invitation for Carrier and the one for B.
    const listed = JSON.parse(await ok(A, ['proposal', 'list', '--network', networkId, '--json'])) as {
      proposals: { id: string; status: string; invitations: string[] }[];
    };
    expect(listed.proposals.map((p) => [p.invitations, p.status]).sort()).toEqual([
      [[A], 'APPROVED'],
      [[B], 'APPROVED'],
    ]);
    expect(listed.proposals.map((p) => p.id)).toContain(created.id);
  });

  it('invitation accept and reject: one account joins by the command, another declines', async () => {
    const invite = async (
      account: string,
      voters: readonly (readonly [string, string])[],
    ): Promise<string> => {
      const p = JSON.parse(
        await ok(A, [
          'proposal',
          'create',
          '--network',
          networkId,
          '--member',
          'Manufacturer',
          '--invite',
          account,
          '--json',
        ]),
      ) as { id: string };
      for (const [voter, member] of voters) {
        await ok(voter, [
          'proposal',
          'vote',
          p.id,
          '--network',
          networkId,
          '--member',
          member,
          '--vote',
          'yes',
        ]);
      }
      const list = JSON.parse(await ok(account, ['invitation', 'list', '--json'])) as {
        invitations: { id: string; status: string }[];
      };
      const pending = list.invitations.find((i) => i.status === 'PENDING');
      if (!pending) throw new Error(`no pending invitation for ${account}`);
      return pending.id;
    };
    const forC = await invite(C, [
      [A, 'Manufacturer'],
      [A, 'Carrier'],
    ]);
    const joined = JSON.parse(
      await ok(C, ['invitation', 'accept', forC, '--member-name', 'Auditor', '--json']),
    ) as { networkId: string; memberId: string };
    expect(joined).toMatchObject({
      networkId,
      memberId: expect.stringMatching(/^m-[A-Z0-9]{26}$/) as string,
    });
    refused(
      await aws(C, ['invitation', 'accept', forC, '--member-name', 'Again']),
      new RegExp(`invitation ${forC} is ACCEPTED, not PENDING`),
    );
    // Four members now: two YES are 50 %, so B's member must vote too.
    const forD = await invite(D, [
      [A, 'Manufacturer'],
      [A, 'Carrier'],
      [B, 'Retailer'],
    ]);
    const rejected = await aws(D, ['invitation', 'reject', forD]);
    expect(rejected).toMatchObject({ code: 0, stderr: `[waybill] rejected ${forD}\n` });
    expect(await ok(D, ['invitation', 'list'])).toMatch(
      new RegExp(`^${forD}: REJECTED, network waybill-e2e`),
    );
    file('c.yaml', `account: "${C}"\njoin: { networkId: ${networkId} }\nmembers:\n  - name: Auditor\n`);
  });

  it('bad files and refused operations fail with one line and change nothing', async () => {
    refused(
      await aws(A, ['plan', '-f', path.join(dir, 'missing.yaml')]),
      /^waybill: cannot read .*missing\.yaml/,
    );
    const bad = file(
      'bad.yaml',
      `account: "12"\nnetwork: { name: x, edition: STARTER, colour: red }\nmembers:\n  - name: M\n    nodes:\n      - { instanceType: bc.m5.large, availabilityZone: us-east-1a }\n`,
    );
    refused(
      await aws(A, ['apply', '-f', bad]),
      /bad\.yaml is invalid: account: must be the 12-digit AWS account ID; network: Unrecognized key: "colour"/,
    );
    const big = file(
      'big.yaml',
      `account: "${A}"\nnetwork: { name: big }\nmembers:\n  - name: M\n    nodes:\n      - { instanceType: bc.m5.large, availabilityZone: us-east-1a }\n`,
    );
    refused(await aws(A, ['apply', '-f', big]), /bc\.m5\.large is not available in a STARTER network/);
    const fresh = file('fresh.yaml', `account: "${A}"\nnetwork: { name: fresh }\nmembers:\n  - name: M\n`);
    refused(
      await aws(A, ['apply', '-f', fresh], { WAYBILL_AMB_ADMIN_PASSWORD: '' }),
      /member M: set its admin password in WAYBILL_AMB_ADMIN_PASSWORD/,
    );
    refused(
      await aws(A, ['apply', '-f', fresh], { WAYBILL_AMB_ADMIN_PASSWORD: 'short' }),
      /breaks AMB's rules/,
    );
    const wrongRegion = file(
      'region.yaml',
      `account: "${A}"\nnetwork: { name: fresh }\nmembers:\n  - name: M\n    nodes: [{ instanceType: bc.t3.small, availabilityZone: eu-west-1a }]\n`,
    );
    refused(await aws(A, ['plan', '-f', wrongRegion]), /eu-west-1a is not in region us-east-1/);
    // An account AMB no longer serves: the service's refusal and the closing, in one line.
    const closed = file(
      'closed.yaml',
      `account: "${CLOSED}"\nnetwork: { name: late }\nmembers:\n  - name: M\n`,
    );
    refused(
      await aws(CLOSED, ['apply', '-f', closed]),
      /^waybill: AWS refused CreateNetwork: AccessDeniedException: .*accepts no new customers since 2026-10-29 and ends on 2027-09-29/,
    );
    refused(
      await aws(B, ['invitation', 'accept', 'in-AAAAAAAAAAAAAAAAAAAAAAAAAA', '--member-name', 'X']),
      /no invitation in-A+/,
    );
    refused(await aws(A, ['status'], { AWS_REGION: '' }), /no AWS region/);
    // Nothing of the refused files exists.
    const status = JSON.parse(await ok(A, ['status', '--json'])) as { networks: { name: string }[] };
    expect(status.networks.map((n) => n.name)).toEqual(['waybill-e2e']);
  });

  it('destroy asks for --yes, removes each account’s members and nodes, and the network goes with the last', async () => {
    const a = path.join(dir, 'a.yaml');
    const b = path.join(dir, 'b.yaml');
    refused(
      await aws(A, ['destroy', '-f', a]),
      /destroy would delete 4 resource\(s\) listed above: run it again with --yes/,
    );
    expect(await ok(C, ['destroy', '-f', path.join(dir, 'c.yaml'), '--yes'])).toContain('- member Auditor');
    const gone = await aws(B, ['destroy', '-f', b, '--yes']);
    expect(gone.stderr).not.toMatch(/^waybill:/m);
    expect(gone.code).toBe(0);
    expect(gone.stdout).toContain('- member Retailer');
    expect(gone.stdout).toContain('note: network');
    const last = await aws(A, ['destroy', '-f', a, '--yes']);
    expect(last.code).toBe(0);
    expect(last.stdout).toContain(`note: network ${networkId} goes with its last member`);
    expect(await ok(A, ['status'])).toBe('no network\n');
    await expect(sdk(A).send(new GetNetworkCommand({ NetworkId: networkId }))).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
    });
    expect(await ok(A, ['plan', '-f', a])).toContain('+ network waybill-e2e');
  });
});
