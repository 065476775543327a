import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { CliError } from '../common/errors';
import type { Progress } from '../common/progress';
import type { Layout } from '../topology/layout';
import type { Topology } from '../topology/topology';
import { FABRIC_22, ensureBinaries, ensureFabric22, fabricSampleConfig } from './binaries';
import { channelReady, createChannel, joinPeer, markChannelReady, ordererChannelInfo, setAnchorPeers } from './channel-setup';
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
  #bin: NodeBinaries | undefined;

  constructor(ctx: NetworkContext, progress: Progress) {
    this.#ctx = ctx;
    this.layout = ctx.layout;
    this.topology = ctx.topology;
    this.#progress = progress;
  }

  get binDir(): string {
    return this.#bin?.fabric ?? '';
  }

  /** The pinned binaries (built once when missing); the peers' are 2.2's for the amb profile. */
  async binaries(): Promise<string> {
    return (await this.#binaries()).fabric;
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
    writeGatewayProfiles(this);
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
