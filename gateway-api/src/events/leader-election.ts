/**
 * Which gateway process does the event work of a database: reading blocks into the event store,
 * updating the read model and delivering webhooks. Exactly one process per database may do it at a
 * time (the **leader**), or events would be stored and delivered twice; every process serves the
 * HTTP API either way.
 */
export interface LeaderElection {
  /** Whether this process is the leader now. */
  isLeader(): boolean;
  /**
   * Starts campaigning. `onChange` is called with `true` when this process becomes the leader and
   * with `false` when it stops being one (never twice in a row with the same value). Resolves after
   * the first attempt, so a process that can lead has already been told so.
   */
  start(onChange: (leader: boolean) => void): Promise<void>;
  /**
   * Stops campaigning and gives leadership up (without calling `onChange`: the caller stops its
   * work first, then calls this, so that the next leader never overlaps with it).
   */
  stop(): Promise<void>;
}

/** Injection token of the {@link LeaderElection}. */
export const LEADER_ELECTION = Symbol('LEADER_ELECTION');
