import { ContractHarness, type Actor } from '../testing/contract-harness';
import { ALL_ASSET_STATUSES, ALL_ROLES, EVENTS, ROLE_ATTRIBUTE, ROLE_ORGANISATIONS, majorityOf, type AssetStatus, type Role } from '../constants';
import type { Asset, SplitResult } from '../domain/asset';
import {
  ACTIONS,
  TRANSITIONS,
  resolveTarget,
  rolesFor,
  statusesFor,
  transitionsOf,
  type Action,
  type OrgRelation,
} from '../domain/state-machine';
import { GOVERNANCE_INPUT, MSP, rejectionOf, sha, termsTransient } from '../testing/fixtures';
import { buildAsset, seedAssets } from '../testing/seed';
import { ENDORSEMENT_RULES, type EndorsingParty } from '../constants';

/*
 * Every case here is generated from the state machine table (TRANSITIONS): each allowed
 * (row, from-status, role) is performed and must land in the row's target status; every status
 * outside an action's rows must fail INVALID_TRANSITION; every role outside an action's grants and
 * every organisation outside a grant's relationship must fail FORBIDDEN.
 */

const M = MSP.MANUFACTURER;
const C = MSP.CARRIER;
const R = MSP.RETAILER;
const AT = '2025-01-01T00:00:00.000Z';
const ID = 'LOT-SM';
const REF = '0123456789abcdef0123456789abcdef';
const NEW_REF = 'fedcba9876543210fedcba9876543210';

const HANDOVER_ACTIONS: readonly Action[] = ['acceptHandover', 'rejectHandover', 'cancelHandover'];
const SALE_ACTIONS: readonly Action[] = ['agreeSaleTerms', 'acceptSale', 'rejectSale', 'cancelSale'];

/** Organisation that satisfies each relation on the scenario asset (owner M, custodian C). */
const ALLOWED_ORG: Record<OrgRelation, string> = {
  owner: M,
  custodian: C,
  ownerOrCustodian: C,
  holder: M,
  handoverRecipient: R,
  handoverProposer: C,
  saleBuyer: R,
  saleSeller: M,
  saleParty: R,
  manufacturer: M,
  dataController: C,
  anyOrg: R,
};

/** Organisation that does NOT satisfy each relation (closest miss: e.g. owner but not custodian). */
const WRONG_ORG: Record<Exclude<OrgRelation, 'anyOrg'>, string> = {
  owner: C,
  custodian: M,
  ownerOrCustodian: R,
  holder: M,
  handoverRecipient: C,
  handoverProposer: R,
  saleBuyer: M,
  saleSeller: R,
  saleParty: C,
  manufacturer: R,
  dataController: M,
};

/** The organisation an identity with `role` acts for: oversight roles only exist at the authority. */
function orgFor(relation: OrgRelation, role: Role): string {
  return ROLE_ORGANISATIONS[role] === 'oversight' ? MSP.AUTHORITY : ALLOWED_ORG[relation];
}

interface Scenario {
  readonly harness: ContractHarness;
  readonly asset: Asset;
  readonly args: readonly unknown[];
  readonly transient?: Record<string, string>;
}

function scenarioAsset(action: Action, status: AssetStatus, holderIsOwner: boolean, id = ID): Asset {
  return buildAsset(id, {
    status,
    owner: M,
    custodian: holderIsOwner ? M : C,
    hold:
      status === 'ON_HOLD'
        ? { reason: 'quality check', byOrg: C, byRole: 'carrier', previousStatus: 'DELIVERED', at: AT, txId: 'seed-hold' }
        : null,
    pendingHandover: HANDOVER_ACTIONS.includes(action) ? { from: C, to: R, proposedAt: AT, txId: 'seed-handover' } : null,
    pendingSale: SALE_ACTIONS.includes(action) ? { saleId: 'seed-sale', seller: M, buyer: R, proposedAt: AT } : null,
    personalDataRefs: [
      {
        ref: REF,
        commitment: sha('a'),
        category: 'name',
        controllerOrg: C,
        addedAt: AT,
        updatedAt: AT,
        updatedTxId: 'seed',
        erasedAt: null,
      },
    ],
  });
}

async function arrange(action: Action, status: AssetStatus, holderIsOwner: boolean, agreeTerms: boolean): Promise<Scenario> {
  const harness = new ContractHarness();
  // The validator's chaincode-level policy: a majority of the members' peers.
  harness.ledger.chaincodePolicy = { orgs: GOVERNANCE_INPUT.members, n: majorityOf(GOVERNANCE_INPUT.members.length) };
  const asset = scenarioAsset(action, status, holderIsOwner);
  const others = action === 'mergeAssets' ? [scenarioAsset(action, status, holderIsOwner, `${ID}-2`)] : [];
  await seedAssets(harness.ledger, asset, ...others);
  if (action === 'acceptSale' && agreeTerms) {
    await harness.submit({ mspId: M, role: 'manufacturer' }, 'agreeSaleTerms', [ID], { transient: termsTransient() });
    await harness.submit({ mspId: R, role: 'retailer' }, 'agreeSaleTerms', [ID], { transient: termsTransient() });
  }
  const args: Record<Action, readonly unknown[]> = {
    proposeHandover: [ID, R],
    acceptHandover: [ID],
    rejectHandover: [ID],
    cancelHandover: [ID],
    proposeSale: [ID, R],
    agreeSaleTerms: [ID],
    acceptSale: [ID],
    rejectSale: [ID],
    cancelSale: [ID],
    putOnHold: [ID, 'temperature excursion'],
    releaseHold: [ID],
    markSold: [ID],
    consumeAsset: [ID],
    destroyAsset: [ID],
    splitAsset: [ID, JSON.stringify({ parts: [{ id: `${ID}-a`, amount: 60 }, { id: `${ID}-b`, amount: 40 }] })],
    mergeAssets: [JSON.stringify({ newAssetId: `${ID}-merged`, assetIds: [ID, `${ID}-2`] })],
    recallAsset: [ID, 'contamination risk'],
    updateAttributes: [ID, JSON.stringify({ set: { grade: 'B' } })],
    addDocument: [ID, 'certificate-of-analysis.pdf', sha('b')],
    upsertPersonalDataRef: [ID, JSON.stringify({ ref: NEW_REF, commitment: sha('c'), category: 'phone' })],
    erasePersonalDataRef: [ID, REF],
  };
  return {
    harness,
    asset,
    args: args[action],
    ...(action === 'agreeSaleTerms' ? { transient: termsTransient() } : {}),
  };
}

/** The endorsing organisations a client derives from the rule (as the gateway does). */
function resolveParties(parties: readonly EndorsingParty[], asset: Asset, caller: string): string[] {
  const orgs = new Set<string>();
  for (const party of parties) {
    switch (party) {
      case 'majority':
        break;
      case 'owner':
      case 'custodian':
      case 'holdersOfInputs':
      case 'holdersOfMarkedAssets':
        orgs.add(asset.owner).add(asset.custodian);
        break;
      case 'buyer':
        if (asset.pendingSale !== null) orgs.add(asset.pendingSale.buyer);
        break;
      case 'callerOnly':
        orgs.add(caller);
        break;
    }
  }
  if (parties.includes('majority')) {
    for (const org of [caller, ...GOVERNANCE_INPUT.members]) {
      if (orgs.size >= majorityOf(GOVERNANCE_INPUT.members.length)) break;
      orgs.add(org);
    }
  }
  return [...orgs].sort();
}

interface AllowedCase {
  readonly action: Action;
  readonly from: AssetStatus;
  readonly role: Role;
  readonly relation: OrgRelation;
  readonly expected: AssetStatus;
}

const allowedCases: AllowedCase[] = TRANSITIONS.flatMap((row) =>
  row.from.flatMap((from) =>
    row.grants.flatMap((grant) =>
      grant.roles.map((role) => ({
        action: row.action,
        from,
        role,
        relation: grant.org,
        expected: resolveTarget(row.to, from, from === 'ON_HOLD' ? 'DELIVERED' : undefined),
      })),
    ),
  ),
);

describe('state machine: every allowed transition', () => {
  it('generates a case for every row, status and role', () => {
    expect(allowedCases.length).toBeGreaterThan(100);
  });

  it.each(allowedCases.map((c) => [`${c.action} from ${c.from} by ${c.role} (${c.relation}) → ${c.expected}`, c] as const))(
    '%s',
    async (_name, c) => {
      const { harness, asset, args, transient } = await arrange(c.action, c.from, c.relation === 'holder', true);
      const actor: Actor = { mspId: orgFor(c.relation, c.role), role: c.role };
      // Committed only if the rule's endorsers satisfy every policy the validator would apply.
      const endorsers = resolveParties(ENDORSEMENT_RULES[c.action].parties, asset, actor.mspId);
      const submitted = await harness.submit<unknown>(actor, c.action, args, { endorsers, ...(transient === undefined ? {} : { transient }) });

      const after = await harness.evaluate<Asset>(actor, 'getAsset', [ID]);
      expect(after.status).toBe(c.expected);
      if (c.action === 'mergeAssets') {
        expect((await harness.evaluate<Asset>(actor, 'getAsset', [`${ID}-2`])).status).toBe(c.expected);
      }
      if (c.action === 'splitAsset') {
        expect((submitted.result as SplitResult).children.map((child) => child.status)).toEqual([c.from, c.from]);
      }

      expect(submitted.events).toHaveLength(1);
      expect(Object.values(EVENTS)).toContain(submitted.events[0]?.name);
      expect(endorsers).toEqual(expect.arrayContaining([...submitted.requiredEndorsers]));
    },
  );
});

describe('state machine: every status outside an action’s rows is INVALID_TRANSITION', () => {
  const cases = ACTIONS.flatMap((action) =>
    ALL_ASSET_STATUSES.filter((s) => !statusesFor(action).includes(s)).map((status) => ({ action, status })),
  );

  it.each(cases.map((c) => [`${c.action} from ${c.status}`, c] as const))('%s', async (_name, { action, status }) => {
    const grant = transitionsOf(action)[0]?.grants[0];
    if (grant === undefined) throw new Error(`no grant for ${action}`);
    const role = grant.roles[0] as Role;
    const { harness, args, transient } = await arrange(action, status, grant.org === 'holder', false);
    const error = await rejectionOf(
      harness.submit({ mspId: orgFor(grant.org, role), role }, action, args, transient === undefined ? {} : { transient }),
    );
    expect(error).toMatchObject({
      code: 'INVALID_TRANSITION',
      message: `INVALID_TRANSITION: cannot ${action} asset '${ID}' in status ${status}; allowed from ${statusesFor(action).join(', ')}`,
    });
  });
});

describe('state machine: every role outside an action’s grants is FORBIDDEN', () => {
  const cases = ACTIONS.flatMap((action) =>
    ALL_ROLES.filter((role) => !rolesFor(action).includes(role)).map((role) => ({ action, role })),
  );

  it.each(cases.map((c) => [`${c.role} may not ${c.action}`, c] as const))('%s', async (_name, { action, role }) => {
    const row = transitionsOf(action)[0];
    if (row === undefined) throw new Error(`no row for ${action}`);
    const status = row.from[0] as AssetStatus;
    const org = orgFor(row.grants[0]?.org ?? 'anyOrg', role);
    const { harness, args, transient } = await arrange(action, status, row.grants[0]?.org === 'holder', false);
    const error = await rejectionOf(harness.submit({ mspId: org, role }, action, args, transient === undefined ? {} : { transient }));
    expect(error).toMatchObject({
      code: 'FORBIDDEN',
      message: `FORBIDDEN: role '${role}' may not ${action}; requires role ${rolesFor(action).join(' or ')}`,
    });
  });
});

describe('state machine: every organisation outside a grant’s relationship is FORBIDDEN', () => {
  const cases = TRANSITIONS.flatMap((row) =>
    row.grants
      .filter((grant) => grant.org !== 'anyOrg')
      .flatMap((grant) =>
        row.from.flatMap((from) => grant.roles.map((role) => ({ action: row.action, from, role, relation: grant.org }))),
      ),
  );

  it.each(cases.map((c) => [`${c.action} from ${c.from} by ${c.role} not ${c.relation}`, c] as const))(
    '%s',
    async (_name, c) => {
      const { harness, args, transient } = await arrange(c.action, c.from, false, false);
      const org = ROLE_ORGANISATIONS[c.role] === 'oversight' ? MSP.AUTHORITY : WRONG_ORG[c.relation as Exclude<OrgRelation, 'anyOrg'>];
      const error = await rejectionOf(
        harness.submit({ mspId: org, role: c.role }, c.action, args, transient === undefined ? {} : { transient }),
      );
      expect(error).toMatchObject({ code: 'FORBIDDEN' });
      expect(error.message).toMatch(new RegExp(`^FORBIDDEN: organisation ${org} is not .* of asset '${ID}'`));
    },
  );
});

describe('identities without a usable role', () => {
  it.each([
    ['no waybill.role attribute', { mspId: M }, `FORBIDDEN: identity of ${M} has no '${ROLE_ATTRIBUTE}' certificate attribute`],
    ['an unknown role', { mspId: M, role: 'superuser' }, `FORBIDDEN: unknown role 'superuser' in '${ROLE_ATTRIBUTE}' (known: ${ALL_ROLES.join(', ')})`],
  ] as const)('are rejected for writes and reads: %s', async (_name, actor, message) => {
    const { harness } = await arrange('putOnHold', 'CREATED', false, false);
    expect(await rejectionOf(harness.submit(actor, 'putOnHold', [ID, 'x']))).toMatchObject({ code: 'FORBIDDEN', message });
    expect(await rejectionOf(harness.evaluate(actor, 'getAsset', [ID]))).toMatchObject({ code: 'FORBIDDEN', message });
  });
});
