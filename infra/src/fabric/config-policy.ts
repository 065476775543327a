import { common, msp } from '@hyperledger/fabric-protos';
import { entries } from './config-update';

/** Who still has to sign for an update to pass, per modified element. */
export interface MissingSignatures {
  /** The element (e.g. `/Channel/Application/CarrierMSP/MSP`). */
  readonly element: string;
  /** The policy that governs it (e.g. `/Channel/Application/Admins`). */
  readonly policy: string;
  /** What is missing, in words (e.g. `1 more admin of CarrierMSP, RetailerMSP`). */
  readonly missing: string;
}

type Verdict = { ok: true } | { ok: false; need: number; from: string[] };

function group(root: common.ConfigGroup, path: readonly string[]): common.ConfigGroup | undefined {
  let g: common.ConfigGroup | undefined = root;
  for (const p of path) g = g?.getGroupsMap().get(p);
  return g;
}

/** Evaluates a policy at `path` (group path + policy name) against the signing MSP IDs (admins). */
function evaluate(root: common.ConfigGroup, groupPath: readonly string[], name: string, signed: ReadonlySet<string>): Verdict {
  const policy = group(root, groupPath)?.getPoliciesMap().get(name)?.getPolicy();
  if (!policy) return { ok: false, need: 1, from: [`(policy ${['', 'Channel', ...groupPath, name].join('/')} not found)`] };
  if (policy.getType() === common.Policy.PolicyType.IMPLICIT_META) {
    const meta = common.ImplicitMetaPolicy.deserializeBinary(policy.getValue_asU8());
    const subs = [...entries(group(root, groupPath)?.getGroupsMap() ?? new Map<string, common.ConfigGroup>()).keys()];
    const verdicts = subs.map((s) => [s, evaluate(root, [...groupPath, s], meta.getSubPolicy(), signed)] as const);
    const passed = verdicts.filter(([, v]) => v.ok).length;
    const needed =
      meta.getRule() === common.ImplicitMetaPolicy.Rule.ANY ? 1 : meta.getRule() === common.ImplicitMetaPolicy.Rule.ALL ? subs.length : Math.floor(subs.length / 2) + 1;
    if (passed >= needed) return { ok: true };
    return { ok: false, need: needed - passed, from: verdicts.filter(([, v]) => !v.ok).flatMap(([, v]) => (v.ok ? [] : v.from)) };
  }
  if (policy.getType() === common.Policy.PolicyType.SIGNATURE) {
    const env = common.SignaturePolicyEnvelope.deserializeBinary(policy.getValue_asU8());
    const principals = env.getIdentitiesList().map((p) => msp.MSPRole.deserializeBinary(p.getPrincipal_asU8()).getMspIdentifier());
    const rule = (r: common.SignaturePolicy | undefined): Verdict => {
      if (!r) return { ok: false, need: 1, from: [] };
      if (r.hasSignedBy()) {
        const id = principals[r.getSignedBy()] ?? '?';
        return signed.has(id) ? { ok: true } : { ok: false, need: 1, from: [id] };
      }
      const gate = r.getNOutOf();
      const vs = (gate?.getRulesList() ?? []).map(rule);
      const passed = vs.filter((v) => v.ok).length;
      const n = gate?.getN() ?? 1;
      return passed >= n ? { ok: true } : { ok: false, need: n - passed, from: vs.flatMap((v) => (v.ok ? [] : v.from)) };
    };
    return rule(env.getRule());
  }
  return { ok: false, need: 1, from: ['(unsupported policy type)'] };
}

/**
 * Which modified elements of an update lack signatures, judged as the orderer will (mod_policy of
 * every element whose version changes, resolved as Fabric's configtx validator does: relative to
 * the group for a group, to the enclosing group for a value or policy). Signers count as admins of
 * their MSP, which is what `waybill channel sign` uses.
 */
export function missingSignatures(current: common.Config, update: common.ConfigUpdate, signed: ReadonlySet<string>): MissingSignatures[] {
  const root = current.getChannelGroup() ?? new common.ConfigGroup();
  const out: MissingSignatures[] = [];
  const check = (element: string[], modPolicy: string, relativeTo: string[]): void => {
    if (!modPolicy) {
      out.push({ element: ['', 'Channel', ...element].join('/'), policy: '(none)', missing: 'the element has no mod_policy: nobody can change it' });
      return;
    }
    const abs = modPolicy.startsWith('/') ? modPolicy.split('/').slice(2) : [...relativeTo, modPolicy];
    const name = abs[abs.length - 1] ?? '';
    const v = evaluate(root, abs.slice(0, -1), name, signed);
    if (!v.ok) {
      out.push({
        element: ['', 'Channel', ...element].join('/'),
        policy: ['', 'Channel', ...abs].join('/'),
        missing: `${v.need} more admin signature(s) of ${[...new Set(v.from)].sort().join(', ')}`,
      });
    }
  };
  const walk = (w: common.ConfigGroup, path: string[]): void => {
    const cur = group(root, path);
    if (!cur || w.getVersion() > cur.getVersion()) check(path, cur?.getModPolicy() || w.getModPolicy(), path);
    entries(w.getValuesMap()).forEach((v, k) => {
      const c = cur?.getValuesMap().get(k);
      if (!c || v.getVersion() > c.getVersion()) check([...path, k], c?.getModPolicy() || v.getModPolicy(), path);
    });
    entries(w.getPoliciesMap()).forEach((p, k) => {
      const c = cur?.getPoliciesMap().get(k);
      if (!c || p.getVersion() > c.getVersion()) check([...path, k], c?.getModPolicy() || p.getModPolicy(), path);
    });
    entries(w.getGroupsMap()).forEach((g, k) => {
      // A new group is governed by its parent's change (checked above); only existing ones recurse.
      if (cur?.getGroupsMap().get(k)) walk(g, [...path, k]);
    });
  };
  const ws = update.getWriteSet();
  if (ws) walk(ws, []);
  return out;
}
