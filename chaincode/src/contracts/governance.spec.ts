import { ContractHarness } from '../testing/contract-harness';
import { ALL_ROLES, EVENTS, ROLE_ORGANISATIONS, majorityOf } from '../constants';
import type { Asset } from '../domain/asset';
import type { Governance } from '../domain/governance';
import { ACTORS, GOVERNANCE_INPUT, MSP, assetInput, rejectionOf } from '../testing/fixtures';
import { EndorsementPolicyFailure } from '../testing/in-memory-stub';
import type { GovernanceApproval } from './operations/governance';

const { manufacturer, regulator, regulatorAtCarrier, auditorAtRetailer, authorityAdmin } = ACTORS;
const MEMBERS = [...GOVERNANCE_INPUT.members];

function proposal(version: number, oversight: readonly string[], members: readonly string[] = MEMBERS): string {
  return JSON.stringify({ version, members, oversight });
}

async function withAsset(): Promise<ContractHarness> {
  const h = new ContractHarness();
  await h.submit(manufacturer, 'createAsset', [JSON.stringify(assetInput('LOT-1'))]);
  return h;
}

describe('oversight roles are bound to the organisations the governance record designates', () => {
  it('refuses a regulator minted by a trading organisation’s own CA, for writes and reads', async () => {
    const h = await withAsset();
    const message = `FORBIDDEN: role 'regulator' is reserved to oversight organisations (${MSP.AUTHORITY}); ${MSP.CARRIER} is not designated`;
    expect(await rejectionOf(h.submit(regulatorAtCarrier, 'putOnHold', ['LOT-1', 'fake inspection']))).toMatchObject({ code: 'FORBIDDEN', message });
    expect(await rejectionOf(h.submit(regulatorAtCarrier, 'recallAsset', ['LOT-1', 'fake recall']))).toMatchObject({ code: 'FORBIDDEN', message });
    expect(await rejectionOf(h.evaluate(auditorAtRetailer, 'getAsset', ['LOT-1']))).toMatchObject({ code: 'FORBIDDEN' });
    expect(h.ledger.events.map((e) => e.name)).toEqual([EVENTS.ASSET_CREATED]);
  });

  it('lets the designated authority hold and release; the hold records its organisation', async () => {
    const h = await withAsset();
    const held = await h.submit<Asset>(regulator, 'putOnHold', ['LOT-1', 'sampling']);
    expect(held.result.hold).toMatchObject({ byOrg: MSP.AUTHORITY, byRole: 'regulator' });
    expect(await rejectionOf(h.submit(manufacturer, 'releaseHold', ['LOT-1']))).toMatchObject({ code: 'FORBIDDEN' });
    expect((await h.submit<Asset>(regulator, 'releaseHold', ['LOT-1'])).result).toMatchObject({ status: 'CREATED', hold: null });
  });

  it('refuses trading roles to the oversight organisation, and every role to a non-member', async () => {
    const h = await withAsset();
    expect(await rejectionOf(h.submit({ mspId: MSP.AUTHORITY, role: 'manufacturer' }, 'createAsset', [JSON.stringify(assetInput('LOT-2'))]))).toMatchObject({
      code: 'FORBIDDEN',
      message: `FORBIDDEN: role 'manufacturer' is for trading organisations; ${MSP.AUTHORITY} is an oversight organisation`,
    });
    expect(await rejectionOf(h.evaluate({ mspId: 'GhostMSP', role: 'manufacturer' }, 'getAsset', ['LOT-1']))).toMatchObject({
      code: 'FORBIDDEN',
      message: "FORBIDDEN: organisation GhostMSP is not a member of the channel's governance record",
    });
  });

  // The access table, cell by cell: every role in every organisation kind (the real-network
  // matrix in test/trust/trust.e2e.ts runs the same table against peers).
  const orgs = [MSP.MANUFACTURER, MSP.AUTHORITY, 'GhostMSP'] as const;
  const cells = ALL_ROLES.flatMap((role) => orgs.map((mspId) => ({ role, mspId })));
  it.each(cells.map((c) => [`${c.role} at ${c.mspId}`, c] as const))('access table: %s', async (_name, { role, mspId }) => {
    const h = await withAsset();
    const set = ROLE_ORGANISATIONS[role];
    const allowed =
      (MEMBERS as string[]).includes(mspId) && (set === 'member' || (set === 'oversight') === GOVERNANCE_INPUT.oversight.includes(mspId as never));
    const read = h.evaluate<Asset>({ mspId, role }, 'getAsset', ['LOT-1']);
    if (allowed) expect((await read).id).toBe('LOT-1');
    else expect(await rejectionOf(read)).toMatchObject({ code: 'FORBIDDEN' });
  });
});

describe('governance record', () => {
  it('is written once by initGovernance, by an admin of a listed member; nothing runs before it', async () => {
    const h = new ContractHarness(false);
    expect(await rejectionOf(h.submit(manufacturer, 'createAsset', [JSON.stringify(assetInput('LOT-1'))]))).toMatchObject({ code: 'CONFLICT' });
    expect(await rejectionOf(h.submit(manufacturer, 'initGovernance', [proposal(1, [MSP.AUTHORITY])]))).toMatchObject({ code: 'FORBIDDEN' });
    expect(await rejectionOf(h.submit({ mspId: 'GhostMSP', role: 'admin' }, 'initGovernance', [proposal(1, [MSP.AUTHORITY])]))).toMatchObject({ code: 'FORBIDDEN' });
    expect(await rejectionOf(h.submit(authorityAdmin, 'initGovernance', [proposal(2, [MSP.AUTHORITY])]))).toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect(await rejectionOf(h.submit(authorityAdmin, 'initGovernance', [proposal(1, MEMBERS)]))).toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: 'INVALID_ARGUMENT: input.oversight must leave at least one trading organisation',
    });
    h.ledger.chaincodePolicy = { orgs: MEMBERS, n: majorityOf(MEMBERS.length) };
    // One organisation alone cannot write it: the chaincode-level policy needs a majority.
    const lone = await rejectionOf(h.submit(authorityAdmin, 'initGovernance', [proposal(1, [MSP.AUTHORITY])], { endorsers: [MSP.AUTHORITY] }));
    expect(lone).toBeInstanceOf(EndorsementPolicyFailure);
    const init = await h.submit<Governance>(authorityAdmin, 'initGovernance', [proposal(1, [MSP.AUTHORITY])], {
      endorsers: [MSP.AUTHORITY, MSP.CARRIER, MSP.MANUFACTURER],
    });
    expect(init.result).toMatchObject({ version: 1, members: MEMBERS, oversight: [MSP.AUTHORITY] });
    expect(init.events[0]).toMatchObject({ name: EVENTS.GOVERNANCE_CHANGED, payload: { applied: true, version: 1 } });
    expect(await rejectionOf(h.submit(authorityAdmin, 'initGovernance', [proposal(1, [MSP.AUTHORITY])]))).toMatchObject({ code: 'CONFLICT' });
    expect(await h.evaluate(regulator, 'getGovernance', [])).toMatchObject({ version: 1 });
  });

  it('changes only when a majority of members approved the same next version, endorsed by a majority of peers', async () => {
    const h = new ContractHarness();
    h.ledger.chaincodePolicy = { orgs: MEMBERS, n: majorityOf(MEMBERS.length) };
    const next = proposal(2, [MSP.AUTHORITY, MSP.CARRIER]);
    const majority = [MSP.AUTHORITY, MSP.CARRIER, MSP.MANUFACTURER];
    const first = await h.submit<GovernanceApproval>(authorityAdmin, 'approveGovernance', [next], { endorsers: majority });
    expect(first.result).toMatchObject({ version: 2, approvals: [MSP.AUTHORITY], needed: 3, applied: false });
    expect(await rejectionOf(h.submit(authorityAdmin, 'approveGovernance', [next]))).toMatchObject({ code: 'CONFLICT' });
    expect(await rejectionOf(h.submit(ACTORS.carrierAdmin, 'approveGovernance', [proposal(3, [MSP.CARRIER])]))).toMatchObject({ code: 'CONFLICT' });
    expect(await rejectionOf(h.submit(manufacturer, 'approveGovernance', [next]))).toMatchObject({ code: 'FORBIDDEN' });
    await h.submit(ACTORS.carrierAdmin, 'approveGovernance', [next], { endorsers: majority });
    expect(await rejectionOf(h.submit(regulatorAtCarrier, 'putOnHold', ['X', 'not yet']))).toMatchObject({ code: 'FORBIDDEN' });
    // The approval that completes the majority rewrites the record: its key-level policy needs a
    // majority of the current members' peers, two are not enough.
    const tooFew = await rejectionOf(
      h.submit(ACTORS.manufacturerAdmin, 'approveGovernance', [next], { endorsers: [MSP.MANUFACTURER, MSP.CARRIER] }),
    );
    expect(tooFew).toBeInstanceOf(EndorsementPolicyFailure);
    const third = await h.submit<GovernanceApproval>(ACTORS.manufacturerAdmin, 'approveGovernance', [next], { endorsers: majority });
    expect(third.result).toMatchObject({ approvals: [MSP.AUTHORITY, MSP.CARRIER, MSP.MANUFACTURER], applied: true });
    expect(await h.evaluate(regulator, 'getGovernance', [])).toMatchObject({ version: 2, oversight: [MSP.AUTHORITY, MSP.CARRIER] });
    // Now designated, the carrier's regulator is honoured; a carrier trading role no longer is.
    await h.submit(manufacturer, 'createAsset', [JSON.stringify(assetInput('LOT-1'))]);
    expect((await h.submit<Asset>(regulatorAtCarrier, 'putOnHold', ['LOT-1', 'inspection'])).result.hold).toMatchObject({ byOrg: MSP.CARRIER });
    expect(await rejectionOf(h.evaluate(ACTORS.carrier, 'getAsset', ['LOT-1']))).toMatchObject({ code: 'FORBIDDEN' });
  });
});

describe('counterparties and free text', () => {
  it('refuses a handover to a non-member or to the authority', async () => {
    const h = await withAsset();
    for (const to of ['GhostMSP', MSP.AUTHORITY]) {
      expect(await rejectionOf(h.submit(manufacturer, 'proposeHandover', ['LOT-1', to]))).toMatchObject({
        code: 'INVALID_ARGUMENT',
        message: expect.stringContaining(`toOrg ${to} is not a trading member organisation of the channel`) as string,
      });
    }
  });

  it.each([
    ['a hold reason with an e-mail address', (h: ContractHarness) => h.submit(manufacturer, 'putOnHold', ['LOT-1', 'ask jane.doe@example.com'])],
    ['a hold reason with a phone number', (h: ContractHarness) => h.submit(manufacturer, 'putOnHold', ['LOT-1', 'call +44 20 7946 0958'])],
    ['a document name with an e-mail address', (h: ContractHarness) => h.submit(manufacturer, 'addDocument', ['LOT-1', 'jane.doe@example.com.pdf', 'a'.repeat(64)])],
    ['a site with a phone number', (h: ContractHarness) => h.submit(manufacturer, 'createAsset', [JSON.stringify(assetInput('LOT-2', { origin: { site: 'ring +1 555 010 9999', country: 'CO' } }))])],
    ['a description with an e-mail address', (h: ContractHarness) => h.submit(manufacturer, 'createAsset', [JSON.stringify(assetInput('LOT-2', { product: { sku: 'S', description: 'from bob@example.org' } }))])],
    ['removing an inherited property name', (h: ContractHarness) => h.submit(manufacturer, 'updateAttributes', ['LOT-1', JSON.stringify({ remove: ['constructor'] })])],
  ] as const)('refuses %s', async (_name, act) => {
    const h = await withAsset();
    expect(await rejectionOf(act(h))).toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect(h.ledger.events).toHaveLength(1);
  });
});
