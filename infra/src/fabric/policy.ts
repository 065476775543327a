import { common, msp } from '@hyperledger/fabric-protos';
import { CliError } from '../common/errors';

type RoleType = msp.MSPRole.MSPRoleTypeMap[keyof msp.MSPRole.MSPRoleTypeMap];
const ROLES: Record<string, RoleType> = {
  member: msp.MSPRole.MSPRoleType.MEMBER,
  admin: msp.MSPRole.MSPRoleType.ADMIN,
  client: msp.MSPRole.MSPRoleType.CLIENT,
  peer: msp.MSPRole.MSPRoleType.PEER,
  orderer: msp.MSPRole.MSPRoleType.ORDERER,
};

type Principal = { principal: string; role: string };
type Node = { gate: number; of: Node[] } | Principal;

/**
 * Parses Fabric's signature policy language (`AND('A.peer', OR(...))`, `OutOf(2, ...)`) into the
 * envelope `peer --signature-policy` builds: principals listed in order of appearance, one per
 * occurrence (Fabric does not de-duplicate them, and the bytes must match for approvals made by
 * different tools to agree).
 * @throws CliError naming the position of the first syntax error.
 */
export function parseSignaturePolicy(text: string): common.SignaturePolicyEnvelope {
  const tokens = [...text.matchAll(/\s*(?:([A-Za-z]+)|(\d+)|'([^']*)'|"([^"]*)"|([(),])|(\S))/gy)];
  let i = 0;
  const fail = (why: string): never => {
    throw new CliError(`signature policy "${text}": ${why}`);
  };
  const peek = (): RegExpMatchArray | undefined => tokens[i];
  const expect = (p: string): void => {
    if (peek()?.[5] !== p) fail(`expected "${p}" at token ${i + 1}`);
    i += 1;
  };
  const expr = (): Node => {
    const t = peek();
    if (!t) return fail('unexpected end');
    const quoted = t[3] ?? t[4];
    if (quoted !== undefined) {
      i += 1;
      const m = /^([A-Za-z0-9.-]+)\.(member|admin|client|peer|orderer)$/.exec(quoted);
      if (!m?.[1] || !m[2]) return fail(`"${quoted}" is not MSPID.role (member, admin, client, peer or orderer)`);
      return { principal: m[1], role: m[2] };
    }
    const word = t[1]?.toLowerCase();
    if (word !== 'and' && word !== 'or' && word !== 'outof') return fail(`unexpected "${t[0].trim()}" at token ${i + 1}`);
    i += 1;
    expect('(');
    let gate = -1;
    if (word === 'outof') {
      const n = peek()?.[2];
      if (n === undefined) return fail('OutOf needs a number first');
      gate = Number(n);
      i += 1;
      expect(',');
    }
    const of: Node[] = [expr()];
    while (peek()?.[5] === ',') {
      i += 1;
      of.push(expr());
    }
    expect(')');
    if (word === 'and') gate = of.length;
    if (word === 'or') gate = 1;
    if (gate < 0 || gate > of.length + 1) fail(`OutOf(${gate}) of ${of.length} is not satisfiable`);
    return { gate, of };
  };
  const root = expr();
  if (i !== tokens.length) fail(`unexpected "${peek()?.[0].trim() ?? ''}" after the policy`);
  if (tokens.map((t) => t[0]).join('').trim() !== text.trim()) fail('contains characters outside the policy language');

  const principals: msp.MSPPrincipal[] = [];
  const signedBy = (n: Principal): common.SignaturePolicy => {
    const role = new msp.MSPRole();
    role.setMspIdentifier(n.principal);
    role.setRole(ROLES[n.role] ?? msp.MSPRole.MSPRoleType.MEMBER);
    const principal = new msp.MSPPrincipal();
    principal.setPrincipalClassification(msp.MSPPrincipal.Classification.ROLE);
    principal.setPrincipal(role.serializeBinary());
    const p = new common.SignaturePolicy();
    p.setSignedBy(principals.length);
    principals.push(principal);
    return p;
  };
  // Fabric evaluates a gate's nested gates before its own principals, so principals are numbered
  // in that order (inner gates first, left to right), not in reading order.
  const build = (n: Node): common.SignaturePolicy => {
    if ('principal' in n) return signedBy(n);
    const inner = new Map<number, common.SignaturePolicy>();
    n.of.forEach((c, k) => {
      if ('gate' in c) inner.set(k, build(c));
    });
    const rules = n.of.map((c, k) => inner.get(k) ?? signedBy(c as Principal));
    const gate = new common.SignaturePolicy.NOutOf();
    gate.setN(n.gate);
    gate.setRulesList(rules);
    const p = new common.SignaturePolicy();
    p.setNOutOf(gate);
    return p;
  };
  const env = new common.SignaturePolicyEnvelope();
  env.setVersion(0);
  env.setRule(build(root));
  env.setIdentitiesList(principals);
  return env;
}
