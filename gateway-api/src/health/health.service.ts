import type { Database } from '../database/database';
import { LedgerError } from '../ledger/ledger.errors';
import type { LedgerPort } from '../ledger/ledger.port';

/** Result of a readiness check (`application/health+json`-style). */
export interface Readiness {
  readonly status: 'pass' | 'fail';
  readonly checks: {
    readonly ledger: 'pass' | 'fail';
    readonly database: 'pass' | 'fail';
    readonly shuttingDown: boolean;
  };
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
    private readonly now: () => number = Date.now,
  ) {}

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
