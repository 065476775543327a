import { formatPlan, planApply, planDestroy } from './plan';
import { parseAmbSpec } from './spec';
import type { MemberState, NetworkState, NodeState } from './state';

const spec = parseAmbSpec({
  account: '111111111111',
  network: { name: 'waybill' },
  members: [
    { name: 'Manufacturer', nodes: [{ instanceType: 'bc.t3.small', availabilityZone: 'us-east-1a' }] },
    {
      name: 'Carrier',
      logs: { ca: true },
      nodes: [{ instanceType: 'bc.t3.small', availabilityZone: 'us-east-1b', logs: { peer: true } }],
    },
  ],
});

const node = (id: string, over: Partial<NodeState> = {}): NodeState => ({
  id,
  status: 'AVAILABLE',
  instanceType: 'bc.t3.small',
  availabilityZone: 'us-east-1a',
  stateDb: 'LevelDB',
  logs: { peer: false, chaincode: false },
  peerEndpoint: undefined,
  peerEventEndpoint: undefined,
  ...over,
});
const member = (name: string, nodes: NodeState[], over: Partial<MemberState> = {}): MemberState => ({
  id: `m-${name.toUpperCase().padEnd(26, 'X')}`,
  name,
  status: 'AVAILABLE',
  owned: true,
  caEndpoint: undefined,
  adminUsername: 'admin',
  logs: { ca: false },
  nodes,
  ...over,
});
const network = (members: MemberState[]): NetworkState => ({
  id: 'n-NET',
  name: 'waybill',
  status: 'AVAILABLE',
  edition: 'STARTER',
  frameworkVersion: '2.2',
  ordererEndpoint: undefined,
  vpcEndpointServiceName: undefined,
  members,
});

describe('planApply', () => {
  it('creates the network with the first member, then invites this account for the others', () => {
    const plan = planApply(spec, { network: undefined, invitations: [] });
    expect(plan.steps.map((s) => s.kind)).toEqual([
      'create-network',
      'create-node',
      'add-member',
      'create-node',
    ]);
    expect(formatPlan(plan, spec.account).split('\n')).toEqual([
      'network waybill',
      '+ network waybill: STARTER, Fabric 2.2, approval > 50% within 24 h',
      '+ member Manufacturer (created with the network)',
      '+ node of Manufacturer: bc.t3.small in us-east-1a, LevelDB',
      "+ member Carrier (proposal inviting account 111111111111, voted YES by this account's member, then accepted)",
      '+ node of Carrier: bc.t3.small in us-east-1b, LevelDB',
    ]);
  });

  it('has nothing to do when AMB matches the file', () => {
    const current = network([
      member('Manufacturer', [node('nd-1')]),
      member(
        'Carrier',
        [node('nd-2', { availabilityZone: 'us-east-1b', logs: { peer: true, chaincode: false } })],
        { logs: { ca: true } },
      ),
    ]);
    const plan = planApply(spec, { network: current, invitations: [] });
    expect(plan.steps).toEqual([]);
    expect(formatPlan(plan, spec.account)).toBe('network waybill (n-NET)\nno changes');
  });

  it('updates logging in place, adds missing nodes and deletes nodes the file no longer lists', () => {
    const current = network([
      member('Manufacturer', [node('nd-1'), node('nd-old', { instanceType: 'bc.t3.medium' })]),
      member('Carrier', [node('nd-2', { availabilityZone: 'us-east-1b' })]),
      member('Other', [], { owned: true }),
      member('Retailer', [], { owned: false }),
    ]);
    const plan = planApply(spec, { network: current, invitations: [] });
    expect(plan.steps).toMatchObject([
      { kind: 'delete-node', member: 'Manufacturer', node: { id: 'nd-old' } },
      { kind: 'update-member', member: { name: 'Carrier' }, caLogs: true },
      { kind: 'update-node', member: 'Carrier', nodeId: 'nd-2' },
    ]);
    expect(plan.notes).toEqual([expect.stringMatching(/^member Other .* is not in the file: left alone/)]);
  });

  it('joins by the pending invitation, and refuses to plan a join without one', () => {
    const join = parseAmbSpec({
      account: '222222222222',
      join: { networkId: 'n-AAAAAAAAAAAAAAAAAAAAAAAAAA' },
      members: [{ name: 'Retailer' }],
    });
    const invitation = {
      id: 'in-1',
      status: 'PENDING',
      networkId: 'n-AAAAAAAAAAAAAAAAAAAAAAAAAA',
      networkName: 'w',
      expires: undefined,
    };
    expect(planApply(join, { network: undefined, invitations: [invitation] }).steps).toMatchObject([
      { kind: 'join-network', invitationId: 'in-1' },
    ]);
    expect(() =>
      planApply(join, { network: undefined, invitations: [{ ...invitation, status: 'ACCEPTED' }] }),
    ).toThrow(/account 222222222222 has no pending invitation to network n-A+/);
  });
});

describe('planDestroy', () => {
  it("deletes the file's nodes, then its members; other accounts' members stay", () => {
    const current = network([
      member('Manufacturer', [node('nd-1')]),
      member('Retailer', [], { owned: false }),
    ]);
    const plan = planDestroy(spec, { network: current, invitations: [] });
    expect(plan.steps.map((s) => s.kind)).toEqual(['delete-node', 'delete-member']);
    expect(plan.notes).toEqual(['network n-NET stays: 1 other member(s) remain (Retailer)']);
    expect(
      planDestroy(spec, { network: network([member('Manufacturer', [])]), invitations: [] }).notes,
    ).toEqual(['network n-NET goes with its last member (AMB has no DeleteNetwork)']);
    expect(planDestroy(spec, { network: undefined, invitations: [] }).steps).toEqual([]);
  });
});
