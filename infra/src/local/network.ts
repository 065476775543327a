import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { CliError } from '../common/errors';
import type { Progress } from '../common/progress';
import type { Layout } from '../topology/layout';
import type { Topology } from '../topology/topology';
import { FABRIC_22, ensureBinaries, ensureFabric22, fabricSampleConfig } from './binaries';
import { channelReady, createChannel, joinPeer, markChannelReady, ordererAdmin, setAnchorPeers } from './channel-setup';
import { PROJECT_ROOT, settingsFile, type NetworkContext } from './context';
import { hasCryptoMaterial, issueCryptoMaterial } from './crypto-material';
import { writeGatewayProfiles } from './gateway-profiles';
import { nodeBuilderEnvironment, ordererConfig, peerConfig } from './node-config';
import { checkPorts, probeNode, startNode, stopAll, type FabricNode, type NodeBinaries } from './node-processes';
import { runningPid, stopProcess, tail } from './processes';
import { channelInfo } from '../fabric/channel-participation';

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

/**
 * Drives one local network: brings it up step by step (CAs, identities, node configuration,
 * orderers, channel, peers, anchor peers, gateway profiles), reports its status and stops it. Each
 * step is its own module: `node-processes` (one way to start any kind of node), `crypto-material`,
 * `node-config`, `channel-setup` and `gateway-profiles`.
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
  async ordererChannelInfo(o: Topology['orderers'][number]): Promise<{ height: number; status: string; consensusRelation: string } | undefined> {
    return channelInfo(ordererAdmin(this, o), this.topology.channel);
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

  async status(): Promise<NetworkStatus> {
    const nodes: NodeStatus[] = await Promise.all(
      this.nodes().map(async (n) => {
        const pid = runningPid(this.layout.pidFile(n.name)) ?? null;
        const healthy = pid !== null && (await probeNode(this, n).catch(() => false));
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
      throw new CliError(`no log for node "${node}"; known: ${known.join(', ') || 'none (is the network up?)'}`);
    }
    return tail(file, lines);
  }
}
