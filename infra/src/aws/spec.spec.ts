import { CliError } from '../common/errors';
import { adminPassword, parseAmbSpec } from './spec';

const base = {
  account: '111111111111',
  network: { name: 'waybill' },
  members: [
    { name: 'Manufacturer', nodes: [{ instanceType: 'bc.t3.small', availabilityZone: 'us-east-1a' }] },
  ],
};

describe('parseAmbSpec', () => {
  it('fills in the defaults: STARTER, Fabric 2.2, > 50 % in 24 h, LevelDB, logs off, admin password from WAYBILL_AMB_ADMIN_PASSWORD', () => {
    expect(parseAmbSpec(base, 'f.yaml')).toEqual({
      account: '111111111111',
      network: {
        name: 'waybill',
        description: undefined,
        edition: 'STARTER',
        frameworkVersion: '2.2',
        voting: { thresholdPercentage: 50, proposalDurationHours: 24, comparator: 'GREATER_THAN' },
      },
      join: undefined,
      members: [
        {
          name: 'Manufacturer',
          description: undefined,
          adminUsername: 'admin',
          adminPasswordEnv: 'WAYBILL_AMB_ADMIN_PASSWORD',
          logs: { ca: false },
          nodes: [
            {
              instanceType: 'bc.t3.small',
              availabilityZone: 'us-east-1a',
              stateDb: 'LevelDB',
              logs: { peer: false, chaincode: false },
            },
          ],
        },
      ],
      source: 'f.yaml',
    });
  });

  it('names every problem of the schema in one error', () => {
    expect(() =>
      parseAmbSpec(
        { account: 'x', network: { name: '1bad', frameworkVersion: '2.5', extra: 1 }, members: [] },
        'f.yaml',
      ),
    ).toThrow(
      new CliError(
        'f.yaml is invalid: account: must be the 12-digit AWS account ID; network.name: must start with a letter; letters, digits and - only, at most 64; network.frameworkVersion: AMB runs Hyperledger Fabric 2.2 only; network: Unrecognized key: "extra"; members: must list at least one member',
      ),
    );
  });

  it('wants exactly one of network and join', () => {
    expect(() => parseAmbSpec({ ...base, join: { networkId: 'n-AAAAAAAAAAAAAAAAAAAAAAAAAA' } })).toThrow(
      /give exactly one of network \(create it\) or join/,
    );
    const { network: _n, ...none } = base;
    expect(() => parseAmbSpec(none)).toThrow(/give exactly one of network/);
  });

  it("applies the edition's limits: members, nodes per member, instance types", () => {
    const node = { instanceType: 'bc.t3.small', availabilityZone: 'us-east-1a' };
    const members = Array.from({ length: 6 }, (_, i) => ({ name: `M${i}` }));
    expect(() => parseAmbSpec({ ...base, members })).toThrow(/6 members, a STARTER network allows 5/);
    expect(() => parseAmbSpec({ ...base, members: [{ name: 'M', nodes: [node, node, node] }] })).toThrow(
      /3 nodes, a STARTER network allows 2 per member/,
    );
    expect(() =>
      parseAmbSpec({ ...base, members: [{ name: 'M', nodes: [{ ...node, instanceType: 'bc.m5.large' }] }] }),
    ).toThrow(/bc\.m5\.large is not available in a STARTER network/);
    expect(
      parseAmbSpec({
        ...base,
        network: { name: 'w', edition: 'STANDARD' },
        members: [{ name: 'M', nodes: [node, node, { ...node, instanceType: 'bc.m5.large' }] }],
      }).members[0]?.nodes,
    ).toHaveLength(3);
  });

  it('refuses duplicate member names and zones of two regions', () => {
    expect(() => parseAmbSpec({ ...base, members: [{ name: 'M' }, { name: 'M' }] })).toThrow(
      /members\.1\.name: duplicate member name M/,
    );
    expect(() =>
      parseAmbSpec({
        ...base,
        members: [
          {
            name: 'M',
            nodes: [
              { instanceType: 'bc.t3.small', availabilityZone: 'us-east-1a' },
              { instanceType: 'bc.t3.small', availabilityZone: 'eu-west-1a' },
            ],
          },
        ],
      }),
    ).toThrow(/availability zones of more than one region \(us-east-1, eu-west-1\)/);
  });
});

describe('adminPassword', () => {
  const member = parseAmbSpec(base).members[0]!;

  it('reads the variable the file names, never the file', () => {
    expect(adminPassword(member, { WAYBILL_AMB_ADMIN_PASSWORD: 'Passw0rdOK' })).toBe('Passw0rdOK');
    expect(() => adminPassword(member, {})).toThrow(
      new CliError(
        'member Manufacturer: set its admin password in WAYBILL_AMB_ADMIN_PASSWORD (never in the file)',
      ),
    );
  });

  it.each([
    'Sh0rt',
    'alllower1x',
    'ALLUPPER1X',
    'NoDigitsHere',
    'Has@Sign1',
    'Has Space1',
    `${'A1a'.repeat(11)}`,
  ])('refuses %p by AMB rules', (pw) => {
    expect(() => adminPassword(member, { WAYBILL_AMB_ADMIN_PASSWORD: pw })).toThrow(/breaks AMB's rules/);
  });
});
