import { randomBytes } from 'node:crypto';

/** A signed-in console user: the API key they presented, held only in this process's memory. */
export interface ConsoleSession {
  readonly id: string;
  /** The key the user signed in with; every request re-checks it, so a revocation ends the session. */
  readonly apiKey: string;
  readonly expiresAt: number;
}

/** Limits of {@link ConsoleSessions}. */
export interface ConsoleSessionsOptions {
  /** Longest session, and the length of one whose sign-in asked for none. */
  readonly maxTtlMs: number;
  /** Sessions held at once; the oldest is dropped beyond it, so sign-ins cannot exhaust memory. */
  readonly maxSessions: number;
  readonly now?: () => number;
}

/**
 * Console sessions by their random id (the HttpOnly cookie's value). The API key never reaches the
 * browser's storage: the browser holds only the session id, this process maps it back to the key.
 *
 * In memory on purpose: a session is short-lived, a restart costs a sign-in, and no key is ever
 * written to the database in a form that would act as a credential. Behind a load balancer with
 * several gateway processes of one organisation, sessions need sticky routing (docs/console.md).
 */
export class ConsoleSessions {
  readonly #sessions = new Map<string, ConsoleSession>();
  readonly #now: () => number;

  constructor(private readonly options: Readonly<ConsoleSessionsOptions>) {
    this.#now = options.now ?? Date.now;
  }

  /** Opens a session for a key already checked; `ttlMs` is capped at the maximum. */
  open(apiKey: string, ttlMs?: number): ConsoleSession {
    this.#sweep();
    while (this.#sessions.size >= this.options.maxSessions) {
      const oldest = this.#sessions.keys().next();
      if (oldest.done) break;
      this.#sessions.delete(oldest.value);
    }
    const ttl = Math.min(ttlMs ?? this.options.maxTtlMs, this.options.maxTtlMs);
    const session = { id: randomBytes(32).toString('base64url'), apiKey, expiresAt: this.#now() + ttl };
    this.#sessions.set(session.id, session);
    return session;
  }

  /** The live session with this id; `undefined` when unknown or expired (and then forgotten). */
  find(id: string): ConsoleSession | undefined {
    const session = this.#sessions.get(id);
    if (!session) return undefined;
    if (session.expiresAt <= this.#now()) {
      this.#sessions.delete(id);
      return undefined;
    }
    return session;
  }

  /** @returns whether a live session was closed. */
  close(id: string): boolean {
    const live = this.find(id) !== undefined;
    this.#sessions.delete(id);
    return live;
  }

  get size(): number {
    return this.#sessions.size;
  }

  #sweep(): void {
    const now = this.#now();
    for (const [id, s] of this.#sessions) if (s.expiresAt <= now) this.#sessions.delete(id);
  }
}
