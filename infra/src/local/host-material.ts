import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { CliError } from '../common/errors';
import type * as CaRest from '../identity/ca-client';
import { issueFromCsr, issueOrgIdentities, issueServerTls, lockDown, writeNodeOus, type IssuedFromCsr } from '../identity/fabric-ca';
import type { NetworkModel } from '../topology/layout';
import { tlsHostsOf, type HostShare, type OrdererNode, type Org } from '../topology/topology';
import { startNode, type NodeBinaries } from './node-processes';

/**
 * One host's share of a multi-host network (topology `hosts:`), and the exchange of public
 * material between hosts. The rule: an organisation's private keys (CA, nodes, admin, users) are
 * made in the directory of the host it runs on and never written anywhere else. Hosts exchange
 * bundles of public files only:
 * - each organisation's channel MSP (CA and TLS CA certificates, Node-OU configuration);
 * - the CSRs of an orderer that runs on another host than its organisation's CA, and the
 *   certificates that CA signed for them;
 * - each orderer's TLS certificate (the channel's consenter list names it).
 *
 * Order: `host init` on every host; then export every host's bundle and import it on every other
 * host, twice when an orderer runs away from its organisation's CA (first round: its CSRs reach the
 * CA; second: the certificates come back). Then `network up --host` (see docs/operations.md).
 */

interface HostMarker {
  readonly network: string;
  readonly host: string;
}

interface CsrFile {
  readonly node: string;
  readonly org: string;
  readonly hosts: readonly string[];
  readonly signCsr: string;
  readonly tlsCsr: string;
}

interface IssuedFile extends IssuedFromCsr {
  readonly node: string;
}

interface Manifest {
  readonly network: string;
  readonly host: string;
  readonly orgs: readonly string[];
  readonly exported: string;
}

// eslint-disable-next-line @typescript-eslint/no-require-imports
const caRest = (): typeof CaRest => require('../identity/ca-client') as typeof CaRest;

/** The host this directory was initialised for, if any. */
export function hostOfDir(net: NetworkModel): string | undefined {
  if (!existsSync(net.layout.hostFile)) return undefined;
  return (JSON.parse(readFileSync(net.layout.hostFile, 'utf8')) as HostMarker).host;
}

function ensureSameHost(net: NetworkModel, share: HostShare): void {
  const host = hostOfDir(net);
  if (host !== undefined && host !== share.host.name) {
    throw new CliError(`${net.layout.root} holds host ${host}'s material, not ${share.host.name}'s; use that host's own --dir`);
  }
}

function orgDone(net: NetworkModel, org: Org): string {
  return path.join(net.layout.orgDir(org), 'identities.done');
}

/** Orderers that run on this host while their organisation's CA is on another. */
function awayOrderers(share: HostShare, all: readonly OrdererNode[]): OrdererNode[] {
  return all.filter((o) => o.host.name === share.host.name && !share.orgs.some((org) => org.name === o.org));
}

/**
 * `waybill host init`: starts this host's CAs and issues the identities of its organisations' nodes
 * that run here, their admins and users, and their chaincode servers' TLS key pairs; for an orderer
 * here whose CA is elsewhere, makes its keys and CSRs. Idempotent.
 */
export async function initHost(net: NetworkModel, share: HostShare, bin: NodeBinaries, started: string[]): Promise<void> {
  const { layout, topology } = net;
  ensureSameHost(net, share);
  mkdirSync(layout.root, { recursive: true, mode: 0o700 });
  writeFileSync(layout.hostFile, `${JSON.stringify({ network: topology.name, host: share.host.name } satisfies HostMarker)}\n`);
  const host = { layout, topology: { orgs: topology.orgs, chaincodeServers: topology.chaincodeServers } };
  await Promise.all(share.cas.map((ca) => startNode(host, bin, ca, started)));
  for (const org of share.orgs) {
    if (existsSync(orgDone(net, org))) continue;
    await issueOrgIdentities(layout, org, topology.traits.nodeOus, (n) => n.host.name === share.host.name);
    for (const server of share.chaincodeServers.filter((s) => s.org === org.name)) {
      await issueServerTls(layout, org, server.name.replace('.', '-'), layout.nodeTls(server));
    }
    writeFileSync(orgDone(net, org), new Date().toISOString());
  }
  for (const o of awayOrderers(share, topology.orderers)) {
    if (existsSync(path.join(layout.nodeMsp(o), 'signcerts', 'cert.pem')) || existsSync(layout.csrFile(o))) continue;
    const hosts = tlsHostsOf(o.host);
    const sign = await caRest().newCsr(o.enrollId, hosts);
    const tls = await caRest().newCsr(o.enrollId, hosts);
    mkdirSync(path.join(layout.nodeMsp(o), 'keystore'), { recursive: true, mode: 0o700 });
    mkdirSync(layout.nodeTls(o), { recursive: true, mode: 0o700 });
    writeFileSync(path.join(layout.nodeMsp(o), 'keystore', 'key.pem'), sign.key, { mode: 0o600 });
    writeFileSync(path.join(layout.nodeTls(o), 'server.key'), tls.key, { mode: 0o600 });
    mkdirSync(path.dirname(layout.csrFile(o)), { recursive: true });
    const csr: CsrFile = { node: o.name, org: o.org, hosts, signCsr: sign.csr, tlsCsr: tls.csr };
    writeFileSync(layout.csrFile(o), `${JSON.stringify(csr, null, 2)}\n`);
  }
  lockDown(path.join(layout.root, 'orgs'));
  lockDown(path.join(layout.root, 'nodes'));
}

/** Public parts of an MSP folder: never a keystore. */
const MSP_PUBLIC = ['cacerts', 'tlscacerts', 'intermediatecerts', 'admincerts', 'crls', 'config.yaml'];

/**
 * `waybill host export`: this host's public bundle in `<out>/<host>/`: its organisations' channel
 * MSPs, its pending CSRs, certificates its CAs issued for other hosts, its orderers' TLS
 * certificates. No private key can be in it (only named public files are copied).
 * @returns the bundle's directory.
 */
export function exportHost(net: NetworkModel, share: HostShare, out: string): string {
  const { layout, topology } = net;
  requireInit(net, share);
  const dir = path.join(path.resolve(out), share.host.name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  for (const org of share.orgs) {
    const msp = layout.orgMsp(org);
    if (!existsSync(path.join(msp, 'cacerts'))) throw new CliError(`${org.name} has no MSP yet on host ${share.host.name}: run \`waybill host init --host ${share.host.name}\``);
    for (const entry of MSP_PUBLIC) {
      if (existsSync(path.join(msp, entry))) cpSync(path.join(msp, entry), path.join(dir, 'msp', org.key, entry), { recursive: true });
    }
  }
  const copyJson = (from: string, to: string): void => {
    if (!existsSync(from)) return;
    mkdirSync(to, { recursive: true });
    for (const f of readdirSync(from).filter((x) => x.endsWith('.json'))) cpSync(path.join(from, f), path.join(to, f));
  };
  copyJson(path.join(layout.exchangeDir, 'csr'), path.join(dir, 'csr'));
  copyJson(path.join(layout.exchangeDir, 'issued'), path.join(dir, 'issued'));
  for (const o of share.orderers) {
    const crt = path.join(layout.nodeTls(o), 'server.crt');
    if (!existsSync(crt)) continue;
    mkdirSync(path.join(dir, 'orderers'), { recursive: true });
    cpSync(crt, path.join(dir, 'orderers', `${o.name}.crt`));
  }
  const manifest: Manifest = { network: topology.name, host: share.host.name, orgs: share.orgs.map((o) => o.name), exported: new Date().toISOString() };
  writeFileSync(path.join(dir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  return dir;
}

function requireInit(net: NetworkModel, share: HostShare): void {
  ensureSameHost(net, share);
  if (hostOfDir(net) === undefined) {
    throw new CliError(`${net.layout.root} holds no material of host ${share.host.name}: run \`waybill host init --host ${share.host.name}\` first`);
  }
}

/**
 * `waybill host import`: takes another host's bundle: its organisations' MSPs and orderers' TLS
 * certificates; signs the CSRs of nodes of this host's organisations (this host's CA must be
 * able to start); installs certificates issued for this host's nodes.
 * @returns what was taken, one line each.
 */
export async function importHost(net: NetworkModel, share: HostShare, bundle: string, bin: NodeBinaries, started: string[]): Promise<string[]> {
  const { layout, topology } = net;
  requireInit(net, share);
  const manifestFile = path.join(bundle, 'manifest.json');
  if (!existsSync(manifestFile)) throw new CliError(`${bundle} is not a host bundle (no manifest.json); make one with \`waybill host export\``);
  let manifest: Manifest;
  try {
    manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as Manifest;
  } catch (err) {
    throw new CliError(`${manifestFile} is not valid JSON: ${(err as Error).message}`);
  }
  if (manifest.network !== topology.name) throw new CliError(`bundle ${bundle} is of network ${manifest.network}, not ${topology.name}`);
  if (manifest.host === share.host.name) throw new CliError(`bundle ${bundle} is this host's own (${share.host.name}); import other hosts' bundles`);
  const from = topology.hosts.find((h) => h.name === manifest.host);
  if (!from) throw new CliError(`bundle ${bundle} is of host ${manifest.host}, which the topology does not list`);
  const done: string[] = [];
  for (const name of manifest.orgs) {
    const org = topology.orgs.find((o) => o.name === name);
    if (!org || org.host.name !== from.name) throw new CliError(`bundle ${bundle} carries organisation ${name}, which the topology does not place on ${from.name}`);
    const msp = layout.orgMsp(org);
    rmSync(msp, { recursive: true, force: true });
    for (const entry of MSP_PUBLIC) {
      const src = path.join(bundle, 'msp', org.key, entry);
      if (existsSync(src)) cpSync(src, path.join(msp, entry), { recursive: true });
    }
    if (!existsSync(path.join(msp, 'tlscacerts', 'ca.pem'))) throw new CliError(`bundle ${bundle} lacks ${org.name}'s TLS CA certificate`);
    done.push(`MSP of ${org.name}`);
  }
  const ordDir = path.join(bundle, 'orderers');
  for (const f of existsSync(ordDir) ? readdirSync(ordDir) : []) {
    const o = topology.orderers.find((x) => `${x.name}.crt` === f);
    if (!o || o.host.name !== from.name) continue;
    mkdirSync(path.dirname(layout.remoteTls(o)), { recursive: true });
    cpSync(path.join(ordDir, f), layout.remoteTls(o));
    done.push(`TLS certificate of ${o.name}`);
  }
  const csrDir = path.join(bundle, 'csr');
  for (const f of existsSync(csrDir) ? readdirSync(csrDir) : []) {
    const csr = JSON.parse(readFileSync(path.join(csrDir, f), 'utf8')) as CsrFile;
    const o = topology.orderers.find((x) => x.name === csr.node);
    const org = share.orgs.find((x) => x.name === csr.org);
    if (!o || !org || o.org !== org.name || o.host.name !== from.name) continue;
    if (existsSync(layout.issuedFile(o))) continue;
    await Promise.all(share.cas.map((ca) => startNode({ layout, topology }, bin, ca, started)));
    const issued = await issueFromCsr(layout, org, { id: o.enrollId, type: 'orderer', signCsr: csr.signCsr, tlsCsr: csr.tlsCsr, hosts: tlsHostsOf(o.host) });
    mkdirSync(path.dirname(layout.issuedFile(o)), { recursive: true });
    writeFileSync(layout.issuedFile(o), `${JSON.stringify({ node: o.name, ...issued } satisfies IssuedFile, null, 2)}\n`);
    done.push(`signed the CSRs of ${o.name} (export this host's bundle again for ${from.name})`);
  }
  const issuedDir = path.join(bundle, 'issued');
  for (const f of existsSync(issuedDir) ? readdirSync(issuedDir) : []) {
    const issued = JSON.parse(readFileSync(path.join(issuedDir, f), 'utf8')) as IssuedFile;
    const o = awayOrderers(share, topology.orderers).find((x) => x.name === issued.node);
    if (!o || !existsSync(layout.csrFile(o))) continue;
    const msp = layout.nodeMsp(o);
    for (const d of ['signcerts', 'cacerts']) mkdirSync(path.join(msp, d), { recursive: true, mode: 0o700 });
    writeFileSync(path.join(msp, 'signcerts', 'cert.pem'), issued.signCert);
    writeFileSync(path.join(msp, 'cacerts', 'ca.pem'), issued.caChain);
    if (topology.traits.nodeOus) writeNodeOus(msp);
    writeFileSync(path.join(layout.nodeTls(o), 'server.crt'), issued.tlsCert);
    writeFileSync(path.join(layout.nodeTls(o), 'ca.crt'), issued.caChain);
    rmSync(layout.csrFile(o));
    lockDown(layout.nodeDir(o));
    done.push(`certificates of ${o.name}`);
  }
  return done;
}

/**
 * What `network up --host` needs before it starts anything: this host's own identities, every
 * organisation's public MSP, and (on the host that creates the channel) every orderer's TLS
 * certificate. Throws one line naming the first gap and how to close it.
 */
export function checkHostMaterial(net: NetworkModel, share: HostShare): void {
  const { layout, topology } = net;
  const h = share.host.name;
  requireInit(net, share);
  for (const org of share.orgs) {
    if (!existsSync(orgDone(net, org))) throw new CliError(`host ${h} has not issued ${org.name}'s identities: run \`waybill host init --host ${h}\``);
  }
  for (const org of topology.orgs) {
    if (!existsSync(path.join(layout.orgMsp(org), 'cacerts', 'ca.pem'))) {
      throw new CliError(`host ${h} lacks ${org.name}'s public MSP: import host ${org.host.name}'s bundle (\`waybill host import --host ${h} --from <bundle>\`)`);
    }
  }
  for (const o of share.orderers) {
    if (!existsSync(path.join(layout.nodeTls(o), 'server.crt'))) {
      throw new CliError(`${o.name}'s certificates have not come back from host ${topology.ordererOrg.host.name}: export this host's bundle, import it there, and import that host's new bundle here`);
    }
  }
  if (share.createsChannel) {
    for (const o of topology.orderers.filter((x) => x.host.name !== h)) {
      if (!existsSync(layout.remoteTls(o))) throw new CliError(`host ${h} lacks ${o.name}'s TLS certificate: import host ${o.host.name}'s bundle after its certificates came back`);
    }
  }
}
