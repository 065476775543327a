import type { ConnectionProfile } from '@waybill/chaincode/constants';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { WaybillError, commandOutput } from '../common/errors';
import { bootstrapSecret, caServerArgs, caServerEnv, issueOrgIdentities, issueServerTls, lockDown } from '../identity/fabric-ca';
import type * as ChannelAdmin from '../fabric/channel-admin';
import type * as SystemChaincodes from '../fabric/system-chaincodes';
import { FABRIC_22, ensureBinaries, ensureFabric22, fabricSampleConfig } from './binaries';
import { PROJECT_ROOT, settingsFile, type NetworkContext } from './context';
import type { Layout } from './layout';
import { configtx, nodeBuilderEnvironment, ordererConfig, peerConfig } from './node-config';
import { channelInfo, joinOrderer, type OrdererAdmin } from '../fabric/channel-participation';
import { loadIdentity } from '../fabric/msp-identity';
import { peerEndpoint } from './endpoints';
import { httpsGet, portInUse, runningPid, startProcess, stopProcess, tail, waitHealthy } from './processes';
import type { CaNode, ChaincodeServerNode, Org, OrdererNode, PeerNode, Topology } from './topology';

const run = promisify(execFile);

export type Say = (msg: string) => void;

export interface NodeStatus {
  readonly name: string;
  readonly kind: 'ca' | 'orderer' | 'peer' | 'chaincode' | 'api';
  readonly org: string;
  readonly pid: number | null;
  readonly running: boolean;
  readonly endpoint: string;
  readonly healthy: boolean;
}

export interface NetworkStatus {
  readonly dir: string;
  readonly basePort: number;
  readonly channel: string;
  readonly channelHeight: number | null;
  readonly nodes: NodeStatus[];
}

/** Builder programs the peers run (absolute paths, as external builders require). */
export const BUILDERS = {
  ccaas: path.join(PROJECT_ROOT, 'infra', 'builders', 'ccaas'),
  node: path.join(PROJECT_ROOT, 'infra', 'builders', 'node'),
};

const CRYPTO_DONE = 'crypto.done';
const CHANNEL_DONE = 'channel.done';

/** Drives one local network: its nodes, identities and channel. */
export class LocalNetwork {
  readonly layout: Layout;
  readonly topology: Topology;
  readonly #ctx: NetworkContext;
  readonly #say: Say;
  #bin = '';
  /** Where the peers' binary comes from: the 2.5 binaries, or the 2.2 peer of the amb profile. */
  #peerBin = '';

  constructor(ctx: NetworkContext, say: Say) {
    this.#ctx = ctx;
    this.layout = ctx.layout;
    this.topology = ctx.topology;
    this.#say = say;
  }

  get binDir(): string {
    return this.#bin;
  }

  async binaries(): Promise<string> {
    if (!this.#bin) this.#bin = await ensureBinaries(PROJECT_ROOT, this.#say);
    if (!this.#peerBin) {
      this.#peerBin = this.topology.traits.peerRelease === '2.2' ? await ensureFabric22(PROJECT_ROOT, this.#say) : this.#bin;
    }
    return this.#bin;
  }

  /** Every process of the network in start order. */
  nodes(): (CaNode | OrdererNode | PeerNode)[] {
    return [...this.topology.cas, ...this.topology.orderers, ...this.topology.peers];
  }

  /**
   * Brings the network up. Idempotent: what already runs is reported and left alone. On a failed
   * step it stops what this call started and throws with the step and the failing log's tail.
   */
  async up(): Promise<{ started: string[]; alreadyRunning: string[] }> {
    const started: string[] = [];
    const already = this.nodes()
      .filter((n) => runningPid(this.layout.pidFile(n.name)) !== undefined)
      .map((n) => n.name);
    if (already.length === this.nodes().length && existsSync(path.join(this.layout.root, CHANNEL_DONE))) {
      return { started, alreadyRunning: already };
    }
    await this.binaries();
    const sample = await fabricSampleConfig();
    // A 2.2 peer reads 2.2's own core.yaml (2.5's has keys and defaults 2.2 does not know).
    const peerSample = this.topology.traits.peerRelease === '2.2' ? await fabricSampleConfig(FABRIC_22) : sample;
    await this.#checkPorts(already);
    const fresh = !existsSync(path.join(this.layout.root, CRYPTO_DONE));
    if (fresh) {
      if (already.length > 0) {
        throw new WaybillError(
          `${this.layout.root} has running nodes (${already.join(', ')}) but no complete crypto material; run \`waybill network clean\``,
        );
      }
      rmSync(this.layout.root, { recursive: true, force: true });
    }
    mkdirSync(this.layout.root, { recursive: true, mode: 0o700 });
    writeFileSync(settingsFile(this.layout), JSON.stringify(this.#ctx.settings, null, 2));
    try {
      await this.#step('certificate authorities', () => Promise.all(this.topology.cas.map((ca) => this.#startCa(ca, started))));
      if (fresh || !existsSync(path.join(this.layout.root, CRYPTO_DONE))) {
        await this.#step('identities', async () => {
          await Promise.all(this.topology.orgs.map((o) => issueOrgIdentities(this.layout, o, this.topology.traits.nodeOus)));
          // Each organisation's chaincode server: a TLS key pair from its own CA.
          for (const server of this.topology.chaincodeServers) {
            await issueServerTls(this.layout, this.#org(server.org), server.name.replace('.', '-'), this.layout.nodeTls(server));
          }
          lockDown(path.join(this.layout.root, 'orgs'));
          lockDown(path.join(this.layout.root, 'nodes'));
          writeFileSync(path.join(this.layout.root, CRYPTO_DONE), new Date().toISOString());
        });
      }
      await this.#step('node configuration', () => {
        for (const o of this.topology.orderers) {
          writeFileSync(path.join(this.layout.nodeDir(o), 'orderer.yaml'), ordererConfig(o, sample, this.layout));
        }
        for (const p of this.topology.peers) {
          writeFileSync(
            path.join(this.layout.nodeDir(p), 'core.yaml'),
            peerConfig(p, {
              sampleDir: peerSample,
              layout: this.layout,
              topology: this.topology,
              builders: BUILDERS,
              nodeBuilderEnv: nodeBuilderEnvironment(process.env),
            }),
          );
        }
        return Promise.resolve();
      });
      await this.#step('orderers', () => Promise.all(this.topology.orderers.map((o) => this.#startOrderer(o, started))));
      if (!existsSync(path.join(this.layout.root, CHANNEL_DONE))) {
        await this.#step(`channel ${this.topology.channel}`, () => this.#createChannel());
      }
      await this.#step('peers', () => Promise.all(this.topology.peers.map((p) => this.#startPeer(p, started))));
      await this.#step('join peers', () => Promise.all(this.topology.peers.map((p) => this.joinPeer(p))));
      await this.#step('anchor peers', () => this.#setAnchorPeers());
      writeFileSync(path.join(this.layout.root, CHANNEL_DONE), new Date().toISOString());
      this.writeGatewayProfiles();
    } catch (err) {
      this.#say(`network up failed; stopping the ${started.length} node(s) this run started`);
      for (const name of [...started].reverse()) await stopProcess(this.layout.pidFile(name));
      throw err;
    }
    return { started, alreadyRunning: already };
  }

  async #step<T>(name: string, fn: () => Promise<T>): Promise<T> {
    const t0 = Date.now();
    try {
      const result = await fn();
      this.#say(`${name}: done in ${((Date.now() - t0) / 1000).toFixed(1)}s`);
      return result;
    } catch (err) {
      if (err instanceof WaybillError && err.step) throw err;
      const e = err as Error;
      throw new WaybillError(e.message, { step: name, ...(err instanceof WaybillError && err.detail ? { detail: err.detail } : {}) });
    }
  }

  async #checkPorts(running: string[]): Promise<void> {
    const busy: string[] = [];
    const ports: [string, number][] = [];
    for (const n of this.nodes()) {
      if (running.includes(n.name)) continue;
      ports.push([n.name, n.port], [`${n.name} operations`, n.operationsPort]);
      if (n.kind === 'orderer') ports.push([`${n.name} admin`, n.adminPort]);
      if (n.kind === 'peer') ports.push([`${n.name} chaincode`, n.chaincodePort]);
    }
    await Promise.all(
      ports.map(async ([name, port]) => {
        if (await portInUse(port)) busy.push(`${name} (${port})`);
      }),
    );
    if (busy.length) {
      throw new WaybillError(
        `port(s) already in use: ${busy.sort().join(', ')}; stop what holds them or pick another --base-port / WAYBILL_BASE_PORT`,
        { step: 'port check' },
      );
    }
  }

  #chaincodeServerOf(p: PeerNode): ChaincodeServerNode {
    const server = this.topology.chaincodeServers.find((c) => c.org === p.org);
    if (!server) throw new WaybillError(`organisation ${p.org} has no chaincode server`);
    return server;
  }

  #org(name: string): Org {
    const org = this.topology.orgs.find((o) => o.name === name);
    if (!org) throw new WaybillError(`unknown organisation ${name}`);
    return org;
  }

  async #startCa(ca: CaNode, started: string[]): Promise<void> {
    const pidFile = this.layout.pidFile(ca.name);
    if (runningPid(pidFile) !== undefined) return;
    const org = this.#org(ca.org);
    const home = this.layout.caHome(ca);
    const secret = bootstrapSecret(home);
    const log = this.layout.logFile(ca.name);
    startProcess({
      name: ca.name,
      command: path.join(this.#bin, 'fabric-ca-server'),
      args: caServerArgs(ca, org, home),
      env: { ...process.env, ...caServerEnv(secret), FABRIC_CA_SERVER_HOME: home },
      cwd: home,
      logFile: log,
      pidFile,
    });
    started.push(ca.name);
    await waitHealthy(ca.name, pidFile, log, () => this.probe(ca));
    lockDown(home);
  }

  async #startOrderer(o: OrdererNode, started: string[]): Promise<void> {
    const pidFile = this.layout.pidFile(o.name);
    if (runningPid(pidFile) !== undefined) return;
    const log = this.layout.logFile(o.name);
    startProcess({
      name: o.name,
      command: path.join(this.#bin, 'orderer'),
      args: [],
      env: { ...process.env, FABRIC_CFG_PATH: this.layout.nodeDir(o), FABRIC_LOGGING_SPEC: 'info' },
      cwd: this.layout.nodeDir(o),
      logFile: log,
      pidFile,
    });
    started.push(o.name);
    await waitHealthy(o.name, pidFile, log, () => this.probe(o));
  }

  async #startPeer(p: PeerNode, started: string[]): Promise<void> {
    const pidFile = this.layout.pidFile(p.name);
    if (runningPid(pidFile) !== undefined) return;
    const log = this.layout.logFile(p.name);
    startProcess({
      name: p.name,
      command: path.join(this.#peerBin, 'peer'),
      args: ['node', 'start'],
      env: {
        ...process.env,
        FABRIC_CFG_PATH: this.layout.nodeDir(p),
        FABRIC_LOGGING_SPEC: 'info',
        WAYBILL_PEER_TLS_DIR: this.layout.nodeTls(p),
        WAYBILL_CCAAS_ROOT_CERT: this.layout.orgTlsCa(this.#org(p.org)),
        WAYBILL_CCAAS_ADDRESS: `localhost:${this.#chaincodeServerOf(p).port}`,
        WAYBILL_BUILDER_LOG_DIR: this.layout.builderLogDir(p),
        // Node 12 and npm 6 for packages built for Fabric 2.2 peers (`--target fabric-2.2`), as
        // scripts/lib.sh provisions them; the node builder uses them for packages with node_modules.
        WAYBILL_NODE12: process.env['WAYBILL_NODE12'] ?? path.join(PROJECT_ROOT, '.tools', 'node12', 'bin', 'node'),
        WAYBILL_NPM12: process.env['WAYBILL_NPM12'] ?? path.join(PROJECT_ROOT, '.tools', 'node12', 'lib', 'node_modules', 'npm', 'bin', 'npm-cli.js'),
      },
      cwd: this.layout.nodeDir(p),
      logFile: log,
      pidFile,
    });
    started.push(p.name);
    await waitHealthy(p.name, pidFile, log, () => this.probe(p));
  }

  /** Health of one node through its operations endpoint (CAs: /cainfo). */
  async probe(n: CaNode | OrdererNode | PeerNode): Promise<boolean> {
    if (n.kind === 'ca') {
      const ca = this.layout.caCert(n);
      if (!existsSync(ca)) return false;
      const r = await httpsGet(`https://localhost:${n.port}/cainfo`, readFileSync(ca));
      return r.status === 200;
    }
    const org = this.#org(n.org);
    const r = await httpsGet(`https://localhost:${n.operationsPort}/healthz`, readFileSync(this.layout.orgTlsCa(org)));
    return r.status === 200;
  }

  async #createChannel(): Promise<void> {
    mkdirSync(this.layout.channelDir, { recursive: true });
    writeFileSync(path.join(this.layout.channelDir, 'configtx.yaml'), configtx(this.topology, this.layout));
    if (!existsSync(this.layout.genesisBlock)) {
      try {
        await run(
          path.join(this.#bin, 'configtxgen'),
          ['-profile', 'WaybillChannel', '-outputBlock', this.layout.genesisBlock, '-channelID', this.topology.channel],
          { env: { ...process.env, FABRIC_CFG_PATH: this.layout.channelDir }, timeout: 60_000 },
        );
      } catch (err) {
        throw new WaybillError(`configtxgen failed: ${commandOutput(err)}`);
      }
    }
    const block = readFileSync(this.layout.genesisBlock);
    await Promise.all(
      this.topology.orderers.map(async (o) => {
        const admin = this.ordererAdmin(o);
        if (await channelInfo(admin, this.topology.channel)) return;
        await joinOrderer(admin, block);
      }),
    );
  }

  /** An orderer's channel participation API with the orderer organisation admin's TLS key pair. */
  ordererAdmin(o: OrdererNode): OrdererAdmin {
    const adminTls = path.join(this.layout.userDir(this.topology.ordererOrg, this.layout.adminId(this.topology.ordererOrg)), 'tls');
    return {
      name: o.name,
      url: `https://localhost:${o.adminPort}`,
      tlsRootCert: readFileSync(this.layout.orgTlsCa(this.topology.ordererOrg)),
      clientCert: readFileSync(path.join(adminTls, 'server.crt')),
      clientKey: readFileSync(path.join(adminTls, 'server.key')),
    };
  }

  /** The channel as one orderer sees it (channel participation API, mTLS as orderer admin). */
  async ordererChannelInfo(o: OrdererNode): Promise<{ height: number; status: string; consensusRelation: string } | undefined> {
    return channelInfo(this.ordererAdmin(o), this.topology.channel);
  }

  /** Each organisation's admin sets its anchor peers by configuration update (once; later a no-op). */
  async #setAnchorPeers(): Promise<void> {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { setAnchorPeers } = require('../fabric/channel-admin') as typeof ChannelAdmin;
    // One update after another: each is computed against the configuration the previous one made.
    for (const org of this.topology.peerOrgs) {
      const anchors = org.peers.filter((p) => !p.failover).map((p) => ({ host: 'localhost', port: p.port }));
      if (anchors.length) await setAnchorPeers(this, org, anchors);
    }
  }

  async joinPeer(p: PeerNode): Promise<void> {
    const chains = path.join(this.layout.nodeDir(p), 'data', 'ledgersData', 'chains', 'chains', this.topology.channel);
    if (existsSync(chains)) return;
    const org = this.#org(p.org);
    // The peer's own organisation admin joins it (cscc JoinChain), as on its own host.
    // Fabric protobufs load when used, not for every `waybill` start.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { joinChannel } = require('../fabric/system-chaincodes') as typeof SystemChaincodes;
    await joinChannel(loadIdentity(org.mspId, this.layout.adminMsp(org)), peerEndpoint(this, p), readFileSync(this.layout.genesisBlock));
  }

  /**
   * Connection profiles for the gateway APIs: per organisation its peers, TLS root, and only its
   * own identities (no process ever receives another organisation's keys).
   */
  writeGatewayProfiles(): void {
    mkdirSync(this.layout.profilesDir, { recursive: true, mode: 0o700 });
    const orgs = Object.fromEntries(this.topology.peerOrgs.map((o) => [o.mspId, o.name]));
    for (const org of this.topology.peerOrgs) {
      const profile: ConnectionProfile = {
        organization: org.name,
        mspId: org.mspId,
        channel: this.topology.channel,
        chaincode: this.topology.chaincode.name,
        peers: org.peers.map((p) => ({
          name: p.name,
          endpoint: `localhost:${p.port}`,
          tlsRootCertPath: this.layout.orgTlsCa(org),
          hostnameOverride: 'localhost',
        })),
        identities: org.users.map((u) => ({
          id: u.id,
          role: u.role,
          certPath: path.join(this.layout.userMsp(org, u.id), 'signcerts', 'cert.pem'),
          keyPath: path.join(this.layout.userMsp(org, u.id), 'keystore', 'key.pem'),
        })),
        organizations: orgs,
      };
      writeFileSync(this.layout.profile(org), `${JSON.stringify(profile, null, 2)}\n`, { mode: 0o600 });
    }
  }

  /** Stops every process this network started (by PID file), peers first. */
  async down(): Promise<string[]> {
    const stopped: string[] = [];
    if (!existsSync(this.layout.runDir)) return stopped;
    const names = readdirSync(this.layout.runDir)
      .filter((f) => f.endsWith('.pid'))
      .map((f) => f.slice(0, -4));
    const order = (n: string): number =>
      n.startsWith('api.') ? 0 : n.startsWith('chaincode') ? 1 : n.startsWith('peer') ? 2 : n.startsWith('orderer') ? 3 : 4;
    const groups = new Map<number, string[]>();
    for (const n of names) groups.set(order(n), [...(groups.get(order(n)) ?? []), n]);
    for (const k of [...groups.keys()].sort()) {
      await Promise.all(
        (groups.get(k) ?? []).map(async (n) => {
          if (await stopProcess(this.layout.pidFile(n))) stopped.push(n);
        }),
      );
    }
    return stopped;
  }

  async clean(): Promise<void> {
    await this.down();
    rmSync(this.layout.root, { recursive: true, force: true });
  }

  async status(): Promise<NetworkStatus> {
    const nodes: NodeStatus[] = await Promise.all(
      this.nodes().map(async (n) => {
        const pid = runningPid(this.layout.pidFile(n.name)) ?? null;
        const healthy = pid !== null && (await this.probe(n).catch(() => false));
        return {
          name: n.name,
          kind: n.kind,
          org: n.org,
          pid,
          running: pid !== null,
          endpoint: `localhost:${n.port}`,
          healthy,
        };
      }),
    );
    const extra = this.extraProcesses();
    nodes.push(...extra);
    let channelHeight: number | null = null;
    for (const o of this.topology.orderers) {
      if (runningPid(this.layout.pidFile(o.name)) === undefined) continue;
      try {
        const info = await this.ordererChannelInfo(o);
        if (info) channelHeight = Math.max(channelHeight ?? 0, info.height);
      } catch {
        /* another orderer may answer */
      }
    }
    return { dir: this.layout.root, basePort: this.topology.basePort, channel: this.topology.channel, channelHeight, nodes };
  }

  /** The chaincode servers and gateway APIs, when running. */
  extraProcesses(): NodeStatus[] {
    const out: NodeStatus[] = [];
    for (const server of this.topology.chaincodeServers) {
      const cc = runningPid(this.layout.pidFile(server.name));
      if (cc === undefined && !existsSync(this.layout.pidFile(server.name))) continue;
      out.push({
        name: server.name,
        kind: 'chaincode',
        org: server.org,
        pid: cc ?? null,
        running: cc !== undefined,
        endpoint: `localhost:${server.port}`,
        healthy: cc !== undefined,
      });
    }
    for (const org of this.topology.peerOrgs) {
      const name = `api.${org.key}`;
      const pid = runningPid(this.layout.pidFile(name));
      if (pid === undefined && !existsSync(this.layout.pidFile(name))) continue;
      out.push({
        name,
        kind: 'api',
        org: org.name,
        pid: pid ?? null,
        running: pid !== undefined,
        endpoint: `http://localhost:${org.apiPort ?? 0}`,
        healthy: pid !== undefined,
      });
    }
    return out;
  }

  /** Last lines of a node's log, or the list of logs. */
  logs(node: string | undefined, lines: number): string {
    if (!node) {
      if (!existsSync(this.layout.logsDir)) return 'no logs yet';
      return readdirSync(this.layout.logsDir)
        .map((f) => path.join(this.layout.logsDir, f))
        .join('\n');
    }
    const file = this.layout.logFile(node);
    if (!existsSync(file)) {
      const known = existsSync(this.layout.logsDir) ? readdirSync(this.layout.logsDir).map((f) => f.replace(/\.log$/, '')) : [];
      throw new WaybillError(`no log for node "${node}"; known: ${known.join(', ') || 'none (is the network up?)'}`);
    }
    return tail(file, lines);
  }
}
