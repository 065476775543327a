import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { CliError } from '../common/errors';
import { loadTopology, normaliseTopology, validateTopology } from '../topology/topology';
import { REAL_TOPOLOGY } from '../testing/fixtures';
import { commitQuorum, governanceChange, memberPolicy } from './membership';
import { parseSignaturePolicy } from '../fabric/policy';

const topology = loadTopology(REAL_TOPOLOGY);
const FOUNDERS = ['ManufacturerMSP', 'CarrierMSP', 'RetailerMSP', 'AuthorityMSP'];

describe('memberPolicy', () => {
  it("is the topology's own policy, word for word, for the founders in any order", () => {
    expect(memberPolicy(topology, [...FOUNDERS].reverse())).toBe(topology.chaincode.signaturePolicy);
  });

  it('is a majority of the members, founders in topology order then partners sorted', () => {
    expect(memberPolicy(topology, ['ZetaMSP', ...FOUNDERS, 'ForwarderMSP'])).toBe(
      "OutOf(4, 'ManufacturerMSP.peer', 'CarrierMSP.peer', 'RetailerMSP.peer', 'AuthorityMSP.peer', 'ForwarderMSP.peer', 'ZetaMSP.peer')",
    );
    expect(memberPolicy(topology, [...FOUNDERS, 'ForwarderMSP'])).toBe(
      "OutOf(3, 'ManufacturerMSP.peer', 'CarrierMSP.peer', 'RetailerMSP.peer', 'AuthorityMSP.peer', 'ForwarderMSP.peer')",
    );
    expect(memberPolicy(topology, ['CarrierMSP', 'ManufacturerMSP'])).toBe("OutOf(2, 'ManufacturerMSP.peer', 'CarrierMSP.peer')");
    // Fabric's policy language parses it.
    expect(() => parseSignaturePolicy(memberPolicy(topology, [...FOUNDERS, 'ForwarderMSP']))).not.toThrow();
  });

  it("names 'member' where MSPs have no Node OUs (amb profile)", () => {
    const amb = normaliseTopology({ ...validateTopology(validRaw()), profile: 'amb' });
    expect(memberPolicy(amb, ['ManufacturerMSP', 'XMSP'])).toBe("OutOf(2, 'ManufacturerMSP.member', 'XMSP.member')");
  });

  it('refuses an empty member set', () => {
    expect(() => memberPolicy(topology, [])).toThrow(CliError);
  });
});

describe('governanceChange', () => {
  const current = { version: 3, members: ['AuthorityMSP', 'CarrierMSP', 'ManufacturerMSP', 'RetailerMSP'], oversight: ['AuthorityMSP'] };

  it('adds a member sorted, with the next version, oversight kept', () => {
    expect(governanceChange(current, 'ForwarderMSP', 'add')).toEqual({
      version: 4,
      members: ['AuthorityMSP', 'CarrierMSP', 'ForwarderMSP', 'ManufacturerMSP', 'RetailerMSP'],
      oversight: ['AuthorityMSP'],
    });
  });

  it('removes a member (and its oversight designation)', () => {
    expect(governanceChange(current, 'AuthorityMSP', 'remove')).toEqual({ version: 4, members: ['CarrierMSP', 'ManufacturerMSP', 'RetailerMSP'], oversight: [] });
  });

  it('is undefined when nothing would change', () => {
    expect(governanceChange(current, 'CarrierMSP', 'add')).toBeUndefined();
    expect(governanceChange(current, 'ForwarderMSP', 'remove')).toBeUndefined();
  });

  it('refuses to leave fewer than two members or only oversight ones', () => {
    expect(() => governanceChange({ version: 1, members: ['AMSP', 'BMSP'], oversight: [] }, 'AMSP', 'remove')).toThrow(/fewer than two members/);
    expect(() => governanceChange({ version: 1, members: ['AMSP', 'BMSP', 'CMSP'], oversight: ['AMSP', 'BMSP'] }, 'CMSP', 'remove')).toThrow(/no trading member/);
  });
});

describe('commitQuorum', () => {
  it('is a majority of the channel organisations', () => {
    expect([1, 2, 3, 4, 5, 6].map(commitQuorum)).toEqual([1, 2, 2, 3, 3, 4]);
  });
});

function validRaw(): unknown {
  const raw = parse(readFileSync(REAL_TOPOLOGY, 'utf8')) as Record<string, unknown>;
  return { ...raw, chaincode: { name: 'waybill', signaturePolicy: "OutOf(3, 'ManufacturerMSP.member', 'CarrierMSP.member')" } };
}
