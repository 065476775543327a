import type { Client } from 'pg';
import type { JsonLogger } from '../common/logger';
import type { LeaderElection } from './leader-election';

/**
 * First key of the leader lock, in PostgreSQL's two-`int4` advisory-lock key space (the migrations
 * lock with one `bigint`, a separate key space, so the two never meet). The second key is a hash
 * of the gateway's schema: gateways sharing a database in separate schemas elect separately.
 */
export const LEADER_LOCK_CLASS = 0x5761_7962; // "Wayb"

const TRY_LOCK = `SELECT pg_try_advisory_lock($1, hashtext(coalesce(current_schema(), ''))) AS locked`;

/** Options of {@link PostgresLeaderElection}. */
export interface PostgresLeaderElectionOptions {
  /** How often a follower tries to take the lock, and the leader checks that its session lives. */
  readonly retryMs: number;
}

/** Makes a new, unconnected client with the database's settings and this query deadline. */
export type SessionFactory = (options: { readonly queryTimeoutMs: number }) => Client;

/**
 * Leader election on the gateway's PostgreSQL database: the leader is the process whose dedicated
 * connection holds a session-level advisory lock (`pg_try_advisory_lock`). PostgreSQL releases
 * the lock when that session ends — the process exits or dies, or the connection drops — so the
 * next follower to try takes over within one retry period.
 *
 * The leader never outlives its session: an error or end on the connection ends leadership at
 * once (`onChange(false)` before anything else), and the leader checks the session every period
 * with a deadline, so a connection that silently stopped answering ends it too. The server side
 * ends an idle session after three periods (`idle_session_timeout`, PostgreSQL 14+), so the lock of
 * a leader cut off from the database is freed even when no TCP reset arrives.
 */
export class PostgresLeaderElection implements LeaderElection {
  #client: Client | undefined;
  #leader = false;
  #running = false;
  #timer: NodeJS.Timeout | undefined;
  #tick: Promise<void> | undefined;
  #onChange: (leader: boolean) => void = () => undefined;
  /** What was last logged about a follower's state, so a steady state is logged once. */
  #lastNote: string | undefined;

  constructor(
    private readonly session: SessionFactory,
    private readonly options: Readonly<PostgresLeaderElectionOptions>,
    private readonly logger: JsonLogger,
  ) {}

  isLeader(): boolean {
    return this.#leader;
  }

  async start(onChange: (leader: boolean) => void): Promise<void> {
    if (this.#running) return;
    this.#running = true;
    this.#onChange = onChange;
    await this.#runTick();
    this.#schedule();
  }

  async stop(): Promise<void> {
    this.#running = false;
    if (this.#timer) clearTimeout(this.#timer);
    await this.#tick;
    const wasLeader = this.#leader;
    this.#leader = false;
    const client = this.#client;
    this.#client = undefined;
    // Ending the session releases the lock.
    await client?.end().catch(() => undefined);
    if (wasLeader) this.logger.write('info', 'event leadership released');
  }

  #schedule(): void {
    if (!this.#running) return;
    this.#timer = setTimeout(() => {
      void this.#runTick().then(() => this.#schedule());
    }, this.options.retryMs);
    // The HTTP server keeps a gateway alive; this timer alone must not.
    this.#timer.unref();
  }

  #runTick(): Promise<void> {
    this.#tick = this.#attempt();
    return this.#tick;
  }

  async #attempt(): Promise<void> {
    let client = this.#client;
    try {
      if (client === undefined) {
        client = await this.#open();
        if (!this.#running) {
          await client.end().catch(() => undefined);
          return;
        }
        this.#client = client;
      }
      if (this.#leader) {
        // The lock lives as long as the session: a session that answers still holds it.
        await client.query('SELECT 1');
        return;
      }
      const result = await client.query<{ locked: boolean }>(TRY_LOCK, [LEADER_LOCK_CLASS]);
      // Stopped, or the connection was lost while asking: ending the session drops what it got.
      if (!this.#running || client !== this.#client) return;
      if (result.rows[0]?.locked === true) {
        this.#leader = true;
        this.#lastNote = undefined;
        this.logger.write('info', 'event leadership acquired', { retryMs: this.options.retryMs });
        this.#onChange(true);
      } else {
        this.#note('info', 'event leadership held by another gateway process; following');
      }
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      if (client !== undefined) this.#lost(client, reason);
      else this.#note('warn', 'event leadership: database connection failed; retrying', reason);
    }
  }

  async #open(): Promise<Client> {
    const client = this.session({ queryTimeoutMs: Math.min(Math.max(this.options.retryMs, 1_000), 30_000) });
    // Registered before connecting: a dropped connection must end leadership, never crash the process.
    client.on('error', (err: Error) => this.#lost(client, err.message));
    client.on('end', () => this.#lost(client, 'connection closed'));
    try {
      await client.connect();
      // Best effort (PostgreSQL 14+): the server ends the session of a leader it no longer hears.
      await client
        .query(`SET idle_session_timeout = ${String(this.options.retryMs * 3 + 1_000)}`)
        .catch(() => undefined);
      return client;
    } catch (err) {
      await client.end().catch(() => undefined);
      throw err;
    }
  }

  /** The session is gone or unusable: leadership ends now; the next attempt reconnects. */
  #lost(client: Client, reason: string): void {
    if (client !== this.#client) return;
    this.#client = undefined;
    void client.end().catch(() => undefined);
    if (!this.#leader) {
      if (this.#running) this.#note('warn', 'event leadership: database connection failed; retrying', reason);
      return;
    }
    this.#leader = false;
    this.logger.write('warn', 'event leadership lost', { reason });
    this.#onChange(false);
  }

  #note(level: 'info' | 'warn', msg: string, reason?: string): void {
    const note = `${msg}:${reason ?? ''}`;
    if (note === this.#lastNote) return;
    this.#lastNote = note;
    this.logger.write(level, msg, reason === undefined ? {} : { reason });
  }
}
