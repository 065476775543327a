import type { ConnectionProfile } from '@waybill/chaincode/constants';
import { copyFileSync, cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CliError } from '../common/errors';
import { configOf, fetchConfigBlock } from '../fabric/channel-config';
import { fetchBlock, processProposal, type Endpoint, type PeerEndpoint } from '../fabric/connection';
import type { SigningIdentity } from '../fabric/identity';
import { loadIdentity } from '../fabric/msp-identity';
import { newProposal, signProposal } from '../fabric/proposal';
import { joinChannel, ledgerHeight } from '../fabric/system-chaincodes';
import { issueOrgIdentities, issueServerTls, lockDown } from '../identity/fabric-ca';
import { CHAINCODE_DIR, startChaincodeProcess } from './chaincode-server';
import { approveCommitted, installChaincode, queryInstalled } from './lifecycle';
import { packageCcaas } from './package';
import { apiName, startApi, type ApiEndpoint } from '../local/apis';
import { ensureBinaries, fabricSampleConfig } from '../local/binaries';
import { PROJECT_ROOT } from '../local/context';
import { Layout } from '../topology/layout';
import { BUILDERS } from '../local/network';
import type { Progress } from '../common/progress';
import { nodeBuilderEnvironment, peerConfig } from '../local/node-config';
import { channelOrganizations, partnerNodes, partnerPorts, type PartnerNodes, type PartnerSettings } from '../local/partner-spec';
import { portInUse, runningPid, stopProcess } from '../local/processes';
import { type NodeHost, startNode } from '../local/node-processes';
import { profileTraits } from '../topology/topology';

const SETTINGS = 'partner.json';
const CRYPTO_DONE = 'crypto.done';
/** A partner runs Fabric 2.5 peers with the Gateway service (the standard profile). */
const TRAITS = profileTraits('standard');

/**
 * A partner organisation run from its own data directory: its CA, peer, chaincode server and
 * gateway API, with its own keys only. From the founders it needs public material alone: an
 * orderer's address and TLS root, the channel's and chaincode's names.
 */
export class PartnerOrg {
  readonly layout: Layout;
  readonly settings: PartnerSettings;
  readonly nodes: PartnerNodes;
  readonly #progress: Progress;

  constructor(dir: string, settings: PartnerSettings, progress: Progress) {
    this.layout = new Layout(dir);
    this.settings = settings;
    this.nodes = partnerNodes(settings);
    this.#progress = progress;
  }

  /** Opens a partner directory made by {@link PartnerOrg.init}. */
  static open(dir: string, progress: Progress): PartnerOrg {
    const file = path.join(path.resolve(dir), SETTINGS);
    if (!existsSync(file)) throw new CliError(`${dir} is not a partner directory (no ${SETTINGS}); run waybill org init first`);
    return new PartnerOrg(dir, JSON.parse(readFileSync(file, 'utf8')) as PartnerSettings, progress);
  }

  get topology(): { readonly name: string; readonly traits: typeof TRAITS } {
    return { name: 'waybill', traits: TRAITS };
  }

  /** The partner's public MSP folder, to hand to the founders (CA and TLS CA certificates, Node OUs). */
  get publicMsp(): string {
    return path.join(this.layout.root, 'public', 'msp');
  }

  get admin(): SigningIdentity {
    return loadIdentity(this.settings.mspId, this.layout.adminMsp(this.nodes.org));
  }

  get peerEndpoint(): PeerEndpoint {
    return {
      name: this.nodes.peer.name,
      mspId: this.settings.mspId,
      address: `localhost:${this.nodes.peer.port}`,
      tlsRootCert: readFileSync(this.layout.orgTlsCa(this.nodes.org)),
      hostnameOverride: 'localhost',
    };
  }

  #channel(): NonNullable<PartnerSettings['channel']> {
    if (!this.settings.channel) throw new CliError('the partner has not joined a channel yet: run waybill org join first');
    return this.settings.channel;
  }

  get #ordererTlsCa(): string {
    return path.join(this.layout.channelDir, 'orderer-tlsca.pem');
  }

  ordererEndpoint(): Endpoint {
    const host = this.#channel().orderer.split(':')[0] ?? 'localhost';
    return { name: this.#channel().orderer, address: this.#channel().orderer, tlsRootCert: readFileSync(this.#ordererTlsCa), hostnameOverride: host };
  }

  #save(settings: PartnerSettings): PartnerOrg {
    writeFileSync(path.join(this.layout.root, SETTINGS), `${JSON.stringify(settings, null, 2)}\n`, { mode: 0o600 });
    return new PartnerOrg(this.layout.root, settings, this.#progress);
  }

  /**
   * Step 1 (partner): its own Fabric CA, its admin, peer, users (with `waybill.role`) and chaincode
   * server enrolled there, and its public MSP folder exported. Idempotent.
   */
  async init(): Promise<{ mspDir: string; mspId: string; anchorPeer: string }> {
    mkdirSync(this.layout.root, { recursive: true, mode: 0o700 });
    const saved = path.join(this.layout.root, SETTINGS);
    if (existsSync(saved)) {
      const prev = JSON.parse(readFileSync(saved, 'utf8')) as PartnerSettings;
      if (prev.mspId !== this.settings.mspId || prev.basePort !== this.settings.basePort || prev.name !== this.settings.name) {
        throw new CliError(`${this.layout.root} already holds partner ${prev.name} (${prev.mspId}, base port ${prev.basePort})`);
      }
    } else {
      this.#save(this.settings);
    }
    const bin = await ensureBinaries(PROJECT_ROOT, this.#progress);
    const running = (name: string): boolean => runningPid(this.layout.pidFile(name)) !== undefined;
    const busy: string[] = [];
    for (const [name, port] of partnerPorts(this.nodes)) {
      if (!running(name.split(' ')[0] ?? name) && (await portInUse(port))) busy.push(`${name} (${port})`);
    }
    if (busy.length) throw new CliError(`port(s) already in use: ${busy.join(', ')}; pick another --base-port`);
    await this.#startCa(bin);
    if (!existsSync(path.join(this.layout.root, CRYPTO_DONE))) {
      await issueOrgIdentities(this.layout, this.nodes.org, true);
      const server = this.nodes.chaincodeServer;
      await issueServerTls(this.layout, this.nodes.org, server.name.replace('.', '-'), this.layout.nodeTls(server));
      lockDown(path.join(this.layout.root, 'orgs'));
      lockDown(path.join(this.layout.root, 'nodes'));
      writeFileSync(path.join(this.layout.root, CRYPTO_DONE), new Date().toISOString());
    }
    // Public material only: the CA certificates and the Node-OU classification.
    rmSync(this.publicMsp, { recursive: true, force: true });
    mkdirSync(this.publicMsp, { recursive: true });
    const msp = this.layout.orgMsp(this.nodes.org);
    for (const d of ['cacerts', 'tlscacerts']) cpSync(path.join(msp, d), path.join(this.publicMsp, d), { recursive: true });
    copyFileSync(path.join(msp, 'config.yaml'), path.join(this.publicMsp, 'config.yaml'));
    this.#progress(`${this.settings.name}: CA, identities and public MSP ready (${this.publicMsp})`);
    return { mspDir: this.publicMsp, mspId: this.settings.mspId, anchorPeer: `localhost:${this.nodes.peer.port}` };
  }

  /** The partner's data directory as the node launcher sees it: its one organisation. */
  get #host(): NodeHost {
    return { layout: this.layout, topology: { orgs: [this.nodes.org], chaincodeServers: [this.nodes.chaincodeServer] } };
  }

  async #startCa(bin: string): Promise<void> {
    mkdirSync(this.layout.logsDir, { recursive: true });
    mkdirSync(this.layout.runDir, { recursive: true });
    await startNode(this.#host, { fabric: bin, peer: bin }, this.nodes.ca, []);
  }

  /**
   * Step 3 (partner, once the founders admitted it to the channel): starts its peer and joins it
   * with the channel's genesis block, fetched from the orderer as its own admin, then waits until
   * the peer caught up with the orderer. Idempotent.
   */
  async join(channel: { name: string; orderer: string; ordererTlsCa: string; chaincode: string }): Promise<{ channel: string; height: number }> {
    mkdirSync(this.layout.channelDir, { recursive: true });
    copyFileSync(channel.ordererTlsCa, this.#ordererTlsCa);
    const me = this.#save({ ...this.settings, channel: { name: channel.name, orderer: channel.orderer, chaincode: channel.chaincode } });
    return me.#join();
  }

  async #join(): Promise<{ channel: string; height: number }> {
    const bin = await ensureBinaries(PROJECT_ROOT, this.#progress);
    const p = this.nodes.peer;
    writeFileSync(
      path.join(this.layout.nodeDir(p), 'core.yaml'),
      peerConfig(p, {
        sampleDir: await fabricSampleConfig(),
        layout: this.layout,
        topology: this.topology,
        builders: BUILDERS,
        nodeBuilderEnv: nodeBuilderEnvironment(process.env),
      }),
    );
    await startNode(this.#host, { fabric: bin, peer: bin }, p, []);
    const { name } = this.#channel();
    const orderer = this.ordererEndpoint();
    const chains = path.join(this.layout.nodeDir(p), 'data', 'ledgersData', 'chains', 'chains', name);
    if (!existsSync(chains)) {
      const genesis = await fetchBlock(orderer, this.admin, name, 0);
      await joinChannel(this.admin, this.peerEndpoint, genesis.serializeBinary());
      this.#progress(`${p.name} joined ${name}`);
    }
    return { channel: name, height: await this.#catchUp() };
  }

  /** Waits until the peer's height reaches the orderer's at the time of asking; returns it. */
  async #catchUp(): Promise<number> {
    const { name } = this.#channel();
    const target = Number((await fetchBlock(this.ordererEndpoint(), this.admin, name, 'newest')).getHeader()?.getNumber() ?? 0) + 1;
    const deadline = Date.now() + 120_000;
    let height = 0;
    while ((height = await ledgerHeight(this.admin, this.peerEndpoint, name).catch(() => 0)) < target) {
      if (Date.now() > deadline) throw new CliError(`${this.nodes.peer.name} reached height ${height} of ${target} within 120 s`);
      await sleep(250);
    }
    return height;
  }

  /**
   * Step 4 (partner, once the members committed a definition whose endorsement policy names it):
   * packages the chaincode for its own chaincode server, starts that server, installs the package
   * on its peer, approves the committed definition with it, and waits until the chaincode answers.
   */
  async approve(): Promise<{ packageId: string; sequence: number; version: string }> {
    const { name: channel, chaincode } = this.#channel();
    const server = this.nodes.chaincodeServer;
    const pkg = await packageCcaas(CHAINCODE_DIR, this.layout.chaincodeDir, `localhost:${server.port}`);
    await startChaincodeProcess({
      layout: this.layout,
      server,
      tlsRootCert: this.layout.orgTlsCa(this.nodes.org),
      packageId: pkg.packageId,
      peerRelease: TRAITS.peerRelease,
    });
    const ep = this.peerEndpoint;
    // The definition to approve is the one committed when this runs: the peer must have seen it.
    await this.#catchUp();
    if (!(await queryInstalled(this.admin, ep)).some((c) => c.packageId === pkg.packageId)) {
      await installChaincode(this.admin, ep, readFileSync(pkg.file));
    }
    const approved = await approveCommitted(this.admin, [ep], this.ordererEndpoint(), channel, chaincode, pkg.packageId);
    this.#progress(`${this.settings.name} approved ${chaincode} sequence ${approved.sequence} with ${pkg.packageId.slice(0, 24)}…`);
    const deadline = Date.now() + 60_000;
    for (;;) {
      try {
        const { proposal } = newProposal(this.admin, { channel, chaincode, fn: 'org.hyperledger.fabric:GetMetadata' });
        await processProposal(ep, await signProposal(this.admin, proposal), 30_000);
        break;
      } catch (err) {
        if (Date.now() > deadline) throw new CliError(`the chaincode did not answer on ${this.nodes.peer.name}: ${(err as Error).message}`);
        await sleep(250);
      }
    }
    return { packageId: pkg.packageId, sequence: approved.sequence, version: approved.version };
  }

  /**
   * Step 5 (partner): its connection profile (its peer, its identities, the channel's organisations
   * from the public channel configuration) and its gateway API.
   */
  async api(): Promise<ApiEndpoint> {
    const { name: channel, chaincode } = this.#channel();
    const config = configOf(await fetchConfigBlock(this.admin, this.ordererEndpoint(), channel));
    const mspIds = [...(config.getChannelGroup()?.getGroupsMap().get('Application')?.getGroupsMap().keys() ?? [])];
    const org = this.nodes.org;
    const profile: ConnectionProfile = {
      organization: org.name,
      mspId: org.mspId,
      channel,
      chaincode,
      peers: [{ name: this.nodes.peer.name, endpoint: `localhost:${this.nodes.peer.port}`, tlsRootCertPath: this.layout.orgTlsCa(org), hostnameOverride: 'localhost' }],
      identities: org.users.map((u) => ({
        id: u.id,
        role: u.role,
        certPath: path.join(this.layout.userMsp(org, u.id), 'signcerts', 'cert.pem'),
        keyPath: path.join(this.layout.userMsp(org, u.id), 'keystore', 'key.pem'),
      })),
      organizations: channelOrganizations(mspIds, org),
    };
    mkdirSync(this.layout.profilesDir, { recursive: true, mode: 0o700 });
    writeFileSync(this.layout.profile(org), `${JSON.stringify(profile, null, 2)}\n`, { mode: 0o600 });
    const api = await startApi({ layout: this.layout, topology: this.topology }, org, this.#progress);
    if (!api) throw new CliError(`${org.name} has no API port`);
    return api;
  }

  /** Stops every process of the partner (API, chaincode server, peer, CA). */
  async down(): Promise<string[]> {
    const stopped: string[] = [];
    for (const name of [apiName(this.nodes.org), this.nodes.chaincodeServer.name, this.nodes.peer.name, this.nodes.ca.name]) {
      if (await stopProcess(this.layout.pidFile(name))) stopped.push(name);
    }
    if (existsSync(this.layout.runDir)) {
      for (const f of readdirSync(this.layout.runDir).filter((n) => n.endsWith('.pid'))) {
        if (await stopProcess(path.join(this.layout.runDir, f))) stopped.push(f.slice(0, -4));
      }
    }
    return stopped;
  }
}
