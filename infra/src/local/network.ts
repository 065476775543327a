import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { CliError } from '../common/errors';
import type { Progress } from '../common/progress';
import type { Layout } from '../topology/layout';
import { hostShare, type HostShare, type Org, type PeerNode, type Topology } from '../topology/topology';
import { FABRIC_22, ensureBinaries, ensureFabric22, fabricSampleConfig } from './binaries';
import { channelReady, createChannel, fetchGenesis, joinPeer, markChannelReady, ordererChannelInfo, setAnchorPeers } from './channel-setup';
import { checkHostMaterial, exportHost, importHost, initHost } from './host-material';
import { PROJECT_ROOT, settingsFile, type NetworkContext } from './context';
import { hasCryptoMaterial, issueCryptoMaterial } from './crypto-material';
import { writeGatewayProfiles } from './gateway-profiles';
import { nodeBuilderEnvironment, ordererConfig, peerConfig } from './node-config';
import { networkStatus, nodeLogs, type NetworkStatus } from './network-status';
import { checkPorts, startNode, stopAll, type FabricNode, type NodeBinaries } from './node-processes';
import { runningPid, stopProcess } from './processes';

export type { NetworkStatus, NodeStatus } from './network-status';

/** Builder programs the peers run (absolute paths, as external builders require). */
export const BUILDERS = {
  ccaas: path.join(PROJECT_ROOT, 'infra', 'builders', 'ccaas'),
  node: path.join(PROJECT_ROOT, 'infra', 'builders', 'node'),
};

/**
 * Drives one local network: brings it up step by step (CAs, identities, node configuration,
 * orderers, channel, peers, anchor peers, gateway profiles), reports its status and stops it. Each
 * step is its own module: `node-processes` (one way to start any kind of node), `crypto-material`,
 * `node-config`, `channel-setup`, `gateway-profiles` and `network-status`.
 */
export class LocalNetwork {
  readonly layout: Layout;
  readonly topology: Topology;
  readonly #ctx: NetworkContext;
  readonly #progress: Progress;
  /** With `--host`: the one host of a multi-host topology this directory runs. */
  readonly share: HostShare | undefined;
  #bin: NodeBinaries | undefined;

  constructor(ctx: NetworkContext, progress: Progress) {
    this.#ctx = ctx;
    this.layout = ctx.layout;
    this.topology = ctx.topology;
    this.#progress = progress;
    this.share = ctx.settings.host !== undefined ? hostShare(ctx.topology, ctx.settings.host) : undefined;
  }

  /** The peers this directory runs (a host's own, or every peer). */
  get localPeers(): readonly PeerNode[] {
    return this.share?.peers ?? this.topology.peers;
  }

  /** The peer organisations whose admin and users this directory holds. */
  get localPeerOrgs(): readonly Org[] {
    return this.share ? this.share.orgs.filter((o) => !o.isOrderer) : this.topology.peerOrgs;
  }

  #requireShare(): HostShare {
    if (!this.share) {
      throw new CliError(
        this.topology.hosts[0]?.implicit
          ? 'the topology declares no hosts: (host commands are for a network spread over several hosts)'
          : `the topology places nodes on hosts (${this.topology.hosts.map((h) => h.name).join(', ')}): pass --host NAME`,
      );
    }
    return this.share;
  }

  /** `waybill host init`: this host's CAs and identities (see `host-material.ts`). */
  async initHost(): Promise<string[]> {
    const share = this.#requireShare();
    const bin = await this.#binaries();
    const started: string[] = [];
    mkdirSync(this.layout.root, { recursive: true, mode: 0o700 });
    writeFileSync(settingsFile(this.layout), JSON.stringify(this.#ctx.settings, null, 2));
    await this.#step(`material of host ${share.host.name}`, () => initHost(this, share, bin, started));
    return started;
  }

  /** The host this directory runs; throws a one-line reason without one. */
  hostShare(): HostShare {
    return this.#requireShare();
  }

  /** `waybill host export`: this host's public bundle. */
  exportHost(out: string): string {
    return exportHost(this, this.#requireShare(), out);
  }

  /** `waybill host import`: another host's public bundle. */
  async importHost(bundle: string): Promise<string[]> {
    const share = this.#requireShare();
    return importHost(this, share, bundle, await this.#binaries(), []);
  }

  get binDir(): string {
    return this.#bin?.fabric ?? '';
  }

  /** The pinned binaries (built once when missing); the peers' are 2.2's for the amb profile. */
  async binaries(): Promise<string> {
    return (await this.#binaries()).fabric;
  }

  /** The node binaries (the 2.5 set and the peers'), as the launcher and systemd units use them. */
  nodeBinaries(): Promise<NodeBinaries> {
    return this.#binaries();
  }

  async #binaries(): Promise<NodeBinaries> {
    if (!this.#bin) {
      const fabric = await ensureBinaries(PROJECT_ROOT, this.#progress);
      const peer = this.topology.traits.peerRelease === '2.2' ? await ensureFabric22(PROJECT_ROOT, this.#progress) : fabric;
      this.#bin = { fabric, peer };
    }
    return this.#bin;
  }

  /** Every process of the network in start order. */
  nodes(): FabricNode[] {
    const t = this.share ?? this.topology;
    return [...t.cas, ...t.orderers, ...t.peers];
  }

  /**
   * Brings the network up. Idempotent: what already runs is reported and left alone. On a failed
   * step it stops what this call started and throws with the step and the failing log's tail.
   */
  async up(): Promise<{ started: string[]; alreadyRunning: string[] }> {
    if (!this.share && !this.topology.hosts[0]?.implicit) this.#requireShare();
    if (this.share) return this.#upHost(this.share);
    const started: string[] = [];
    const already = this.nodes()
      .filter((n) => runningPid(this.layout.pidFile(n.name)) !== undefined)
      .map((n) => n.name);
    if (already.length === this.nodes().length && channelReady(this)) {
      return { started, alreadyRunning: already };
    }
    const bin = await this.#binaries();
    const sample = await fabricSampleConfig();
    // A 2.2 peer reads 2.2's own core.yaml (2.5's has keys and defaults 2.2 does not know).
    const peerSample = this.topology.traits.peerRelease === '2.2' ? await fabricSampleConfig(FABRIC_22) : sample;
    await checkPorts(this.nodes(), already);
    const fresh = !hasCryptoMaterial(this);
    if (fresh) {
      if (already.length > 0) {
        throw new CliError(
          `${this.layout.root} has running nodes (${already.join(', ')}) but no complete crypto material; run \`waybill network clean\``,
        );
      }
      rmSync(this.layout.root, { recursive: true, force: true });
    }
    mkdirSync(this.layout.root, { recursive: true, mode: 0o700 });
    writeFileSync(settingsFile(this.layout), JSON.stringify(this.#ctx.settings, null, 2));
    const start = (nodes: readonly FabricNode[]) => Promise.all(nodes.map((n) => startNode(this, bin, n, started)));
    try {
      await this.#step('certificate authorities', () => start(this.topology.cas));
      if (!hasCryptoMaterial(this)) await this.#step('identities', () => issueCryptoMaterial(this));
      await this.#step('node configuration', () => {
        this.#writeNodeConfigs(this.topology.orderers, this.topology.peers, sample, peerSample);
        return Promise.resolve();
      });
      await this.#step('orderers', () => start(this.topology.orderers));
      if (!channelReady(this)) {
        await this.#step(`channel ${this.topology.channel}`, () => createChannel(this, bin.fabric));
      }
      await this.#step('peers', () => start(this.topology.peers));
      await this.#step('join peers', () => Promise.all(this.topology.peers.map((p) => joinPeer(this, p))));
      await this.#step('anchor peers', () => setAnchorPeers(this));
      markChannelReady(this);
      writeGatewayProfiles(this);
    } catch (err) {
      this.#progress(`network up failed; stopping the ${started.length} node(s) this run started`);
      for (const name of [...started].reverse()) await stopProcess(this.layout.pidFile(name));
      throw err;
    }
    return { started, alreadyRunning: already };
  }

  /**
   * One host's share of a multi-host network, from only this host's material: its CAs, orderers
   * and peers; the channel when the ordering organisation's admin is here (it waits for the other
   * hosts' orderers); its peers join with block 0 fetched from the orderers; its organisations set
   * their own anchor peers.
   */
  async #upHost(share: HostShare): Promise<{ started: string[]; alreadyRunning: string[] }> {
    checkHostMaterial(this, share);
    const started: string[] = [];
    const already = this.nodes()
      .filter((n) => runningPid(this.layout.pidFile(n.name)) !== undefined)
      .map((n) => n.name);
    if (already.length === this.nodes().length && channelReady(this)) return { started, alreadyRunning: already };
    const bin = await this.#binaries();
    const sample = await fabricSampleConfig();
    await checkPorts(this.nodes(), already);
    writeFileSync(settingsFile(this.layout), JSON.stringify(this.#ctx.settings, null, 2));
    const start = (nodes: readonly FabricNode[]) => Promise.all(nodes.map((n) => startNode(this, bin, n, started)));
    const waitMs = Number(process.env['WAYBILL_HOST_WAIT_S'] ?? 300) * 1000;
    const peerOrgs = this.localPeerOrgs;
    try {
      await this.#step('certificate authorities', () => start(share.cas));
      await this.#step('node configuration', () => {
        this.#writeNodeConfigs(share.orderers, share.peers, sample, sample);
        return Promise.resolve();
      });
      await this.#step('orderers', () => start(share.orderers));
      if (share.createsChannel && !channelReady(this)) {
        await this.#step(`channel ${this.topology.channel}`, () =>
          createChannel(this, bin.fabric, {
            consenterCert: (o) => (o.host.name === share.host.name ? path.join(this.layout.nodeTls(o), 'server.crt') : this.layout.remoteTls(o)),
            waitMs,
          }),
        );
      }
      if (share.peers.length) {
        const first = peerOrgs[0];
        if (first) await this.#step('genesis block', () => fetchGenesis(this, first, waitMs));
        await this.#step('peers', () => start(share.peers));
        await this.#step('join peers', () => Promise.all(share.peers.map((p) => joinPeer(this, p))));
        await this.#step('anchor peers', () => setAnchorPeers(this, peerOrgs));
        writeGatewayProfiles(this, peerOrgs);
      }
      markChannelReady(this);
    } catch (err) {
      this.#progress(`network up failed; stopping the ${started.length} node(s) this run started`);
      for (const name of [...started].reverse()) await stopProcess(this.layout.pidFile(name));
      throw err;
    }
    return { started, alreadyRunning: already };
  }

  #writeNodeConfigs(orderers: Topology['orderers'], peers: readonly PeerNode[], sample: string, peerSample: string): void {
    for (const o of orderers) {
      writeFileSync(path.join(this.layout.nodeDir(o), 'orderer.yaml'), ordererConfig(o, sample, this.layout));
    }
    for (const p of peers) {
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
  }

  async #step<T>(name: string, fn: () => Promise<T>): Promise<T> {
    const t0 = Date.now();
    try {
      const result = await fn();
      this.#progress(`${name}: done in ${((Date.now() - t0) / 1000).toFixed(1)}s`);
      return result;
    } catch (err) {
      if (err instanceof CliError && err.step) throw err;
      const e = err as Error;
      throw new CliError(e.message, { step: name, ...(err instanceof CliError && err.detail ? { detail: err.detail } : {}) });
    }
  }

  /** The channel as one orderer sees it (channel participation API, mTLS as orderer admin). */
  ordererChannelInfo(o: Topology['orderers'][number]): Promise<{ height: number; status: string; consensusRelation: string } | undefined> {
    return ordererChannelInfo(this, o);
  }

  /** Rewrites the gateway APIs' connection profiles (see `gateway-profiles.ts`). */
  writeGatewayProfiles(): void {
    writeGatewayProfiles(this, this.localPeerOrgs);
  }

  /** Stops every process this network started (by PID file), peers first. */
  down(): Promise<string[]> {
    return stopAll(this);
  }

  async clean(): Promise<void> {
    await this.down();
    rmSync(this.layout.root, { recursive: true, force: true });
  }

  /** Each node, chaincode server and gateway API: PID, endpoint, health; and the channel height. */
  status(): Promise<NetworkStatus> {
    return networkStatus(this, this.nodes());
  }

  /** Last lines of a node's log, or the list of logs. */
  logs(node: string | undefined, lines: number): string {
    return nodeLogs(this, node, lines);
  }
}
