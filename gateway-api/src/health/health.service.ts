import type { Database } from '../database/database';
import { LedgerError } from '../ledger/ledger.errors';
import type { LedgerOrderingService, LedgerPeerState, LedgerPort } from '../ledger/ledger.port';
import type { ConnectionProfile } from '../config/profile';

/** Result of a readiness check (`application/health+json`-style). */
export interface Readiness {
  readonly status: 'pass' | 'fail';
  readonly checks: {
    readonly ledger: 'pass' | 'fail';
    readonly database: 'pass' | 'fail';
    readonly shuttingDown: boolean;
  };
}

/** What this gateway knows of its organisation's part of the network (the operator view). */
export interface NetworkStatus {
  readonly readiness: Readiness;
  readonly adapter: string;
  readonly organization: string;
  readonly mspId: string;
  readonly channel: string;
  readonly chaincode: string;
  /** The highest height among the reachable peers; undefined when none answered. */
  readonly height: bigint | undefined;
  readonly peers: readonly LedgerPeerState[];
  /** Undefined when no peer could read the channel configuration. */
  readonly ordering: LedgerOrderingService | undefined;
}

/** How long a readiness answer is reused: probes from several sources cost one ledger call. */
const CACHE_MS = 1000;

/**
 * Readiness: the database answers and a cheap evaluate reaches a peer of this organisation and
 * the chaincode. A chaincode error still proves both are up; only unavailability, timeouts and
 * endorsement failures count as down.
 */
export class HealthService {
  #shuttingDown = false;
  #cached: { at: number; value: Promise<Readiness> } | undefined;

  constructor(
    private readonly ledger: LedgerPort,
    private readonly db: Database,
    private readonly probeIdentity: string,
    private readonly profile: Pick<ConnectionProfile, 'organization' | 'mspId' | 'channel' | 'chaincode'>,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Readiness, then each peer of the profile asked on its own and the ordering service from the
   * channel configuration, read as `identity`. Peers that do not answer are reported, not thrown.
   */
  async networkStatus(identity: string): Promise<NetworkStatus> {
    const [readiness, peers, ordering] = await Promise.all([
      this.readiness(),
      this.ledger.peerStates(identity),
      this.ledger.orderingService(identity).catch((err: unknown) => {
        if (err instanceof LedgerError && err.kind !== 'internal') return undefined;
        throw err;
      }),
    ]);
    const heights = peers.flatMap((p) => (p.height === undefined ? [] : [p.height]));
    return {
      readiness,
      adapter: this.ledger.adapter,
      organization: this.profile.organization,
      mspId: this.profile.mspId,
      channel: this.profile.channel,
      chaincode: this.profile.chaincode,
      height: heights.length === 0 ? undefined : heights.reduce((a, b) => (a > b ? a : b)),
      peers,
      ordering,
    };
  }

  /** From now on readiness fails, so that load balancers stop sending requests while we drain. */
  markShuttingDown(): void {
    this.#shuttingDown = true;
  }

  readiness(): Promise<Readiness> {
    if (this.#shuttingDown) {
      return Promise.resolve({
        status: 'fail',
        checks: { ledger: 'fail', database: 'fail', shuttingDown: true },
      });
    }
    const now = this.now();
    if (this.#cached && now - this.#cached.at < CACHE_MS) return this.#cached.value;
    const value = this.#check();
    this.#cached = { at: now, value };
    return value;
  }

  async #check(): Promise<Readiness> {
    const [ledger, database] = await Promise.all([this.#ledger(), this.#database()]);
    const ok = ledger && database;
    return {
      status: ok ? 'pass' : 'fail',
      checks: { ledger: ledger ? 'pass' : 'fail', database: database ? 'pass' : 'fail', shuttingDown: false },
    };
  }

  async #ledger(): Promise<boolean> {
    try {
      await this.ledger.evaluate({
        identity: this.probeIdentity,
        transaction: 'assetExists',
        args: ['health-check'],
      });
      return true;
    } catch (err) {
      return err instanceof LedgerError && err.kind === 'chaincode';
    }
  }

  async #database(): Promise<boolean> {
    try {
      await this.db.query('SELECT 1 AS ok');
      return true;
    } catch {
      return false;
    }
  }
}
