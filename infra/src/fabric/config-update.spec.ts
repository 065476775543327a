import { common } from '@hyperledger/fabric-protos';
import { computeUpdate, entries } from './config-update';

// Cases ported from Fabric's own tests of `configtxlator compute_update`
// (internal/configtxlator/update/update_test.go, Fabric 2.5.9): same inputs, same read/write sets.

interface G {
  version?: number;
  modPolicy?: string;
  values?: Record<string, { version?: number; value?: string; modPolicy?: string }>;
  policies?: Record<string, { version?: number; type?: number; modPolicy?: string }>;
  groups?: Record<string, G>;
}

function build(g: G): common.ConfigGroup {
  const out = new common.ConfigGroup();
  out.setVersion(g.version ?? 0);
  out.setModPolicy(g.modPolicy ?? '');
  for (const [k, v] of Object.entries(g.values ?? {})) {
    const cv = new common.ConfigValue();
    cv.setVersion(v.version ?? 0);
    cv.setModPolicy(v.modPolicy ?? '');
    cv.setValue(Buffer.from(v.value ?? ''));
    out.getValuesMap().set(k, cv);
  }
  for (const [k, p] of Object.entries(g.policies ?? {})) {
    const cp = new common.ConfigPolicy();
    cp.setVersion(p.version ?? 0);
    cp.setModPolicy(p.modPolicy ?? '');
    if (p.type !== undefined) {
      const pol = new common.Policy();
      pol.setType(p.type);
      cp.setPolicy(pol);
    }
    out.getPoliciesMap().set(k, cp);
  }
  for (const [k, sub] of Object.entries(g.groups ?? {})) out.getGroupsMap().set(k, build(sub));
  return out;
}

function plain(g: common.ConfigGroup | undefined): G {
  if (!g) return {};
  const out: G = {};
  if (g.getVersion()) out.version = g.getVersion();
  if (g.getModPolicy()) out.modPolicy = g.getModPolicy();
  const values = [...entries(g.getValuesMap())];
  if (values.length)
    out.values = Object.fromEntries(
      values.map(([k, v]) => [k, { ...(v.getVersion() ? { version: v.getVersion() } : {}), ...(v.getValue_asU8().length ? { value: Buffer.from(v.getValue_asU8()).toString() } : {}), ...(v.getModPolicy() ? { modPolicy: v.getModPolicy() } : {}) }]),
    );
  const policies = [...entries(g.getPoliciesMap())];
  if (policies.length)
    out.policies = Object.fromEntries(
      policies.map(([k, p]) => [k, { ...(p.getVersion() ? { version: p.getVersion() } : {}), ...(p.getPolicy() ? { type: p.getPolicy()?.getType() } : {}), ...(p.getModPolicy() ? { modPolicy: p.getModPolicy() } : {}) }]),
    );
  const groups = [...entries(g.getGroupsMap())];
  if (groups.length) out.groups = Object.fromEntries(groups.map(([k, s]) => [k, plain(s)]));
  return out;
}

function compute(original: G, updated: G): { read: G; write: G } {
  const config = (g: G): common.Config => {
    const c = new common.Config();
    c.setChannelGroup(build(g));
    return c;
  };
  const cu = computeUpdate('ch', config(original), config(updated));
  expect(cu.getChannelId()).toBe('ch');
  return { read: plain(cu.getReadSet()), write: plain(cu.getWriteSet()) };
}

describe('computeUpdate (configtxlator compute_update)', () => {
  it('TestNoUpdate: identical configurations are refused', () => {
    const g: G = { version: 7, values: { foo: { version: 3, value: 'x' } } };
    expect(() => compute(g, g)).toThrow('no differences between the current and the updated configuration');
  });

  it('TestGroupPolicyModification: a changed policy is written at version + 1, nothing read', () => {
    const original: G = { version: 4, policies: { foo: { version: 2, type: 3 }, bar: { version: 1, type: 5 } } };
    const updated: G = { policies: { foo: { version: 2, type: 3 }, bar: { type: 9 } } };
    expect(compute(original, updated)).toEqual({ read: { version: 4 }, write: { version: 4, policies: { bar: { version: 2, type: 9 } } } });
  });

  it('TestGroupValueAddition: an added value bumps the group and pins the others', () => {
    const original: G = { version: 7, values: { foo: { version: 3, value: 'value1value' } } };
    const updated: G = { values: { foo: { version: 3, value: 'value1value' }, bar: { version: 9, value: 'newValue2' } } };
    expect(compute(original, updated)).toEqual({
      read: { version: 7, values: { foo: { version: 3 } } },
      write: { version: 8, values: { foo: { version: 3 }, bar: { value: 'newValue2' } } },
    });
  });

  it('TestGroupModPolicyUpdate: a new mod policy bumps the group', () => {
    const original: G = { version: 2, modPolicy: 'foo' };
    const updated: G = { modPolicy: 'bar' };
    expect(compute(original, updated)).toEqual({ read: { version: 2 }, write: { version: 3, modPolicy: 'bar' } });
  });

  it('TestTwiceNestedModification: the read set pins the path down to the change', () => {
    const original: G = { groups: { foo: { groups: { bar: { values: { testValue: {} } } } } } };
    const updated: G = { groups: { foo: { groups: { bar: { values: { testValue: { modPolicy: 'new' } } } } } } };
    expect(compute(original, updated)).toEqual({
      read: { groups: { foo: { groups: { bar: {} } } } },
      write: { groups: { foo: { groups: { bar: { values: { testValue: { version: 1, modPolicy: 'new' } } } } } } },
    });
  });
});
