import { Inject } from '@nestjs/common';
import { DATABASE, type Database, type Row } from '../database/database';

/** An event a sink or function gave up on after its attempts. */
export interface DeadLetter {
  readonly name: string;
  readonly eventSeq: number;
  readonly eventId: string;
  readonly attempts: number;
  readonly error: string;
  readonly createdAt: number;
}

/** One function invocation record (all its attempts). */
export interface FunctionInvocation {
  readonly eventId: string;
  /** `running` (an attempt in progress, or the gateway stopped during it), `failed` (will retry), `done`, `dead`. */
  readonly state: string;
  readonly attempts: number;
  /** The handler's JSON result of the successful attempt. */
  readonly result: string | null;
  readonly error: string | null;
  readonly updatedAt: number;
}

/** Where a consumer stands: its position, what is left behind it, and its dead letters. */
export interface IntegrationStatus {
  readonly position: number;
  /** Stored events after the position (those its filter will skip included). */
  readonly backlog: number;
  /** Transaction time of the oldest event after the position (epoch ms), or null when none. */
  readonly oldestPendingAt: number | null;
  readonly deadLetters: number;
}

/** What an admin view shows of a consumer's progress (its {@link IntegrationStatus} at `now`). */
export interface IntegrationProgress {
  readonly position: number | null;
  readonly backlog: number;
  /** Age of the oldest event still to consume, in seconds (0 when none). */
  readonly lagSeconds: number;
  readonly deadLetters: number;
}

export function integrationProgress(
  status: IntegrationStatus | undefined,
  now = Date.now(),
): IntegrationProgress {
  return {
    position: status?.position ?? null,
    backlog: status?.backlog ?? 0,
    lagSeconds:
      status?.oldestPendingAt === null || status?.oldestPendingAt === undefined
        ? 0
        : Math.max(now - status.oldestPendingAt, 0) / 1000,
    deadLetters: status?.deadLetters ?? 0,
  };
}

/**
 * The durable state the integrations (sinks, functions) share: one cursor per consumer in
 * `ledger_events`, and its dead letters. A consumer moves its cursor only after what it consumed
 * is acknowledged, so a restart repeats at most the last step (at-least-once; the event ID
 * de-duplicates).
 */
export class IntegrationRepository {
  constructor(@Inject(DATABASE) private readonly db: Database) {}

  /**
   * The consumer's position; a consumer seen for the first time starts at `initial()` (sinks and
   * functions start with the events stored from their creation on).
   */
  async cursor(name: string, initial: () => Promise<number>): Promise<number> {
    const rows = await this.db.query('SELECT last_event_seq FROM integration_cursors WHERE name = $1', [
      name,
    ]);
    if (rows[0] !== undefined) return Number(rows[0].last_event_seq);
    const start = await initial();
    await this.db.execute(
      'INSERT INTO integration_cursors (name, last_event_seq, updated_at) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING',
      [name, start, Date.now()],
    );
    return this.cursor(name, initial);
  }

  /** Moves the cursor forward (never back: a late writer cannot undo a newer position). */
  async advance(name: string, seq: number): Promise<void> {
    await this.db.execute(
      'UPDATE integration_cursors SET last_event_seq = $2, updated_at = $3 WHERE name = $1 AND last_event_seq < $2',
      [name, seq, Date.now()],
    );
  }

  /** Records an event given up on (a repeat of the same step is absorbed). */
  async deadLetter(d: Omit<DeadLetter, 'createdAt'>): Promise<void> {
    await this.db.execute(
      `INSERT INTO integration_dead_letters (name, event_seq, event_id, attempts, error, created_at)
       VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (name, event_seq) DO NOTHING`,
      [d.name, d.eventSeq, d.eventId, d.attempts, d.error.slice(0, 500), Date.now()],
    );
  }

  async deadLetters(name: string, limit: number): Promise<DeadLetter[]> {
    const rows = await this.db.query(
      'SELECT * FROM integration_dead_letters WHERE name = $1 ORDER BY event_seq DESC LIMIT $2',
      [name, limit],
    );
    return rows.map(toDeadLetter);
  }

  /** A consumer's dead letter of one event, or undefined. */
  async deadLetterOf(name: string, eventId: string): Promise<DeadLetter | undefined> {
    const rows = await this.db.query(
      'SELECT * FROM integration_dead_letters WHERE name = $1 AND event_id = $2',
      [name, eventId],
    );
    return rows[0] === undefined ? undefined : toDeadLetter(rows[0]);
  }

  /** A consumer's oldest dead letters (event order: an asset's go out in its order). */
  async oldestDeadLetters(name: string, limit: number): Promise<DeadLetter[]> {
    const rows = await this.db.query(
      'SELECT * FROM integration_dead_letters WHERE name = $1 ORDER BY event_seq LIMIT $2',
      [name, limit],
    );
    return rows.map(toDeadLetter);
  }

  /** A dead letter was delivered after all: it is no longer one. */
  async removeDeadLetter(name: string, eventSeq: number): Promise<void> {
    await this.db.execute('DELETE FROM integration_dead_letters WHERE name = $1 AND event_seq = $2', [
      name,
      eventSeq,
    ]);
  }

  /** A redelivery attempt failed too: one more attempt and its error (the letter stays). */
  async deadLetterFailedAgain(name: string, eventSeq: number, error: string): Promise<void> {
    await this.db.execute(
      `UPDATE integration_dead_letters SET attempts = attempts + 1, error = $3
       WHERE name = $1 AND event_seq = $2`,
      [name, eventSeq, error.slice(0, 500)],
    );
  }

  /** How many dead letters a consumer has. */
  async deadLetterCount(name: string): Promise<number> {
    const rows = await this.db.query<{ n: unknown }>(
      'SELECT COUNT(*) AS n FROM integration_dead_letters WHERE name = $1',
      [name],
    );
    return Number(rows[0]?.n ?? 0);
  }

  async status(name: string): Promise<IntegrationStatus | undefined> {
    const rows = await this.db.query(
      `SELECT c.last_event_seq AS position,
         (SELECT COUNT(*) FROM ledger_events e WHERE e.seq > c.last_event_seq) AS backlog,
         (SELECT MIN(e.tx_timestamp) FROM ledger_events e WHERE e.seq > c.last_event_seq) AS oldest,
         (SELECT COUNT(*) FROM integration_dead_letters d WHERE d.name = c.name) AS dead
       FROM integration_cursors c WHERE c.name = $1`,
      [name],
    );
    const r = rows[0];
    if (r === undefined) return undefined;
    return {
      position: Number(r.position),
      backlog: Number(r.backlog),
      oldestPendingAt: r.oldest === null || r.oldest === undefined ? null : Number(r.oldest),
      deadLetters: Number(r.dead),
    };
  }

  // Function invocations: the runner's idempotency record, one row per (function, event).

  /** The state of a function's invocation for an event, or undefined when never started. */
  async invocation(fn: string, eventId: string): Promise<{ state: string; attempts: number } | undefined> {
    const rows = await this.db.query(
      'SELECT state, attempts FROM function_invocations WHERE function_name = $1 AND event_id = $2',
      [fn, eventId],
    );
    const r = rows[0];
    return r === undefined ? undefined : { state: String(r.state), attempts: Number(r.attempts) };
  }

  /** Records that an attempt starts (before the handler runs: a crash leaves it `running`). */
  async startInvocation(fn: string, eventId: string, eventSeq: number): Promise<number> {
    const now = Date.now();
    await this.db.transaction(async (tx) => {
      const n = await tx.execute(
        `UPDATE function_invocations SET state = 'running', attempts = attempts + 1, updated_at = $3
         WHERE function_name = $1 AND event_id = $2`,
        [fn, eventId, now],
      );
      if (n === 0) {
        await tx.execute(
          `INSERT INTO function_invocations (function_name, event_id, event_seq, state, attempts, updated_at)
           VALUES ($1, $2, $3, 'running', 1, $4)`,
          [fn, eventId, eventSeq, now],
        );
      }
    });
    return (await this.invocation(fn, eventId))?.attempts ?? 1;
  }

  /** A function's latest invocations (newest event first). */
  async invocations(fn: string, limit: number): Promise<FunctionInvocation[]> {
    const rows = await this.db.query(
      'SELECT * FROM function_invocations WHERE function_name = $1 ORDER BY event_seq DESC LIMIT $2',
      [fn, limit],
    );
    return rows.map((r) => ({
      eventId: String(r.event_id),
      state: String(r.state),
      attempts: Number(r.attempts),
      result: typeof r.result === 'string' ? r.result : null,
      error: typeof r.error === 'string' ? r.error : null,
      updatedAt: Number(r.updated_at),
    }));
  }

  async finishInvocation(
    fn: string,
    eventId: string,
    outcome: {
      readonly state: 'done' | 'failed' | 'dead';
      readonly result?: string;
      readonly error?: string;
    },
  ): Promise<void> {
    await this.db.execute(
      `UPDATE function_invocations SET state = $3, result = $4, error = $5, updated_at = $6
       WHERE function_name = $1 AND event_id = $2`,
      [
        fn,
        eventId,
        outcome.state,
        outcome.result?.slice(0, 2000) ?? null,
        outcome.error?.slice(0, 500) ?? null,
        Date.now(),
      ],
    );
  }
}

function toDeadLetter(r: Row): DeadLetter {
  return {
    name: String(r.name),
    eventSeq: Number(r.event_seq),
    eventId: String(r.event_id),
    attempts: Number(r.attempts),
    error: String(r.error),
    createdAt: Number(r.created_at),
  };
}
