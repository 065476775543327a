import { randomUUID } from 'node:crypto';
import type { Database } from './database';

/** Options of {@link GatewayInstances}. */
export interface GatewayInstancesOptions {
  /** How often a live process says so. */
  readonly heartbeatMs: number;
  /** A process silent this long is dead (a SIGKILL, a lost host): its unfinished work is settled. */
  readonly deadAfterMs: number;
  readonly now?: () => number;
}

/** Defaults: a heartbeat every 5 s, dead after 20 s of silence. */
export const DEFAULT_INSTANCE_OPTIONS: GatewayInstancesOptions = { heartbeatMs: 5_000, deadAfterMs: 20_000 };

/**
 * The gateway processes that share this database (`gateway_instances`), each under a random id
 * drawn at start. Work a process leaves unfinished (an idempotency key in progress, a personal-data
 * write whose commit it was waiting for) carries its id as owner; once that owner has stopped
 * beating, the work is settled by the ledger's commit status rather than waited for until a
 * timeout, and never while its owner may still finish it.
 */
export class GatewayInstances {
  /** This process's id. */
  readonly id = randomUUID();
  readonly #db: Database;
  readonly #options: GatewayInstancesOptions;

  constructor(db: Database, options: GatewayInstancesOptions = DEFAULT_INSTANCE_OPTIONS) {
    this.#db = db;
    this.#options = options;
  }

  get options(): GatewayInstancesOptions {
    return this.#options;
  }

  /** Registers this process, or says it is still alive. */
  async heartbeat(): Promise<void> {
    const now = this.#now();
    const changed = await this.#db.execute('UPDATE gateway_instances SET seen_at = $1 WHERE instance_id = $2', [
      now,
      this.id,
    ]);
    if (changed === 0) {
      await this.#db.execute(
        'INSERT INTO gateway_instances (instance_id, started_at, seen_at) VALUES ($1, $2, $2) ON CONFLICT (instance_id) DO NOTHING',
        [this.id, now],
      );
    }
  }

  /**
   * Whether the process `owner` may still be working. Null (work recorded before owners were)
   * counts as alive: such work is settled by age alone.
   */
  async alive(owner: string | null): Promise<boolean> {
    if (owner === null || owner === this.id) return true;
    const [row] = await this.#db.query<{ seen_at: number }>(
      'SELECT seen_at FROM gateway_instances WHERE instance_id = $1',
      [owner],
    );
    return row !== undefined && Number(row.seen_at) > this.#now() - this.#options.deadAfterMs;
  }

  /** Ids of processes that stopped beating (their work is to be settled). */
  async dead(): Promise<Set<string>> {
    const rows = await this.#db.query<{ instance_id: string }>(
      'SELECT instance_id FROM gateway_instances WHERE seen_at <= $1 AND instance_id <> $2',
      [this.#now() - this.#options.deadAfterMs, this.id],
    );
    return new Set(rows.map((r) => r.instance_id));
  }

  /** Forgets processes dead for longer than `olderThanMs` whose work no longer names them. */
  purge(olderThanMs: number): Promise<number> {
    return this.#db.execute('DELETE FROM gateway_instances WHERE seen_at < $1', [this.#now() - olderThanMs]);
  }

  /** A clean stop: this process leaves no unfinished work behind it. */
  async leave(): Promise<void> {
    await this.#db.execute('UPDATE gateway_instances SET seen_at = 0 WHERE instance_id = $1', [this.id]);
  }

  #now(): number {
    return (this.#options.now ?? Date.now)();
  }
}
