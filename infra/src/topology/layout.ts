import path from 'node:path';
import type { CaNode, OrdererNode, Org, PeerNode, Topology } from './topology';

/**
 * Where a network keeps its runtime state. Everything lives under one directory
 * (`.network/<profile>` by default) so that a dev and a test network never share a file.
 */
export class Layout {
  readonly root: string;

  constructor(root: string) {
    this.root = path.resolve(root);
  }

  get stateFile(): string {
    return path.join(this.root, 'state.json');
  }
  get channelDir(): string {
    return path.join(this.root, 'channel');
  }
  get genesisBlock(): string {
    return path.join(this.channelDir, 'genesis.block');
  }
  get chaincodeDir(): string {
    return path.join(this.root, 'chaincode');
  }
  get profilesDir(): string {
    return path.join(this.root, 'gateway');
  }
  get logsDir(): string {
    return path.join(this.root, 'logs');
  }
  get runDir(): string {
    return path.join(this.root, 'run');
  }

  caHome(ca: CaNode): string {
    return path.join(this.root, 'ca', ca.org.toLowerCase());
  }
  caCert(ca: CaNode): string {
    return path.join(this.caHome(ca), 'ca-cert.pem');
  }
  /** The CA's bootstrap registrar, enrolled into its own client home. */
  registrarHome(org: Org): string {
    return path.join(this.root, 'orgs', org.key, 'registrar');
  }
  orgDir(org: Org): string {
    return path.join(this.root, 'orgs', org.key);
  }
  /** The organisation's MSP as it goes into the channel configuration. */
  orgMsp(org: Org): string {
    return path.join(this.orgDir(org), 'msp');
  }
  /** The organisation's TLS root (the same CA issues enrolment and TLS certificates here). */
  orgTlsCa(org: Org): string {
    return path.join(this.orgMsp(org), 'tlscacerts', 'ca.pem');
  }
  userDir(org: Org, id: string): string {
    return path.join(this.orgDir(org), 'users', id);
  }
  userMsp(org: Org, id: string): string {
    return path.join(this.userDir(org, id), 'msp');
  }
  adminId(org: Org): string {
    return `${org.key}-admin`;
  }
  adminMsp(org: Org): string {
    return this.userMsp(org, this.adminId(org));
  }
  nodeDir(node: PeerNode | OrdererNode | CaNode | { name: string }): string {
    return path.join(this.root, 'nodes', node.name);
  }
  nodeMsp(node: PeerNode | OrdererNode): string {
    return path.join(this.nodeDir(node), 'msp');
  }
  nodeTls(node: PeerNode | OrdererNode | { name: string }): string {
    return path.join(this.nodeDir(node), 'tls');
  }
  /** Where a peer's external builders write their logs (WAYBILL_BUILDER_LOG_DIR). */
  builderLogDir(peer: PeerNode | { name: string }): string {
    return path.join(this.nodeDir(peer), 'builds');
  }
  /** One builder run's log: the package label names it. */
  builderLog(peer: PeerNode | { name: string }, label: string): string {
    return path.join(this.builderLogDir(peer), `${label}.log`);
  }
  logFile(name: string): string {
    return path.join(this.logsDir, `${name}.log`);
  }
  pidFile(name: string): string {
    return path.join(this.runDir, `${name}.pid`);
  }
  profile(org: Org): string {
    return path.join(this.profilesDir, `${org.key}.json`);
  }
  /** Which host of the topology this directory is (`waybill host init`). */
  get hostFile(): string {
    return path.join(this.root, 'host.json');
  }
  /** What this host exchanges with the others: its CSRs out, certificates its CAs issued for others. */
  get exchangeDir(): string {
    return path.join(this.root, 'exchange');
  }
  /** The CSRs of a node that runs here but whose organisation's CA is on another host. */
  csrFile(node: { name: string }): string {
    return path.join(this.exchangeDir, 'csr', `${node.name}.json`);
  }
  /** Certificates this host's CA issued for a node of another host. */
  issuedFile(node: { name: string }): string {
    return path.join(this.exchangeDir, 'issued', `${node.name}.json`);
  }
  /** The TLS certificate of an orderer on another host (public; the channel's consenter list names it). */
  remoteTls(node: { name: string }): string {
    return path.join(this.root, 'remote', node.name, 'server.crt');
  }
}

/** A network as the tools see it: its model and where its files are. */
export interface NetworkModel {
  readonly topology: Topology;
  readonly layout: Layout;
}
