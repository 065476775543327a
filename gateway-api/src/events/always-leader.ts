import type { LeaderElection } from './leader-election';

/**
 * The election of a SQLite database: the process is always the leader. A SQLite file is the
 * database of one gateway process (embedded, on that process's disk); two processes sharing a
 * file is not a supported set-up, so there is nobody to elect against.
 */
export class AlwaysLeader implements LeaderElection {
  #leader = false;

  isLeader(): boolean {
    return this.#leader;
  }

  start(onChange: (leader: boolean) => void): Promise<void> {
    if (!this.#leader) {
      this.#leader = true;
      onChange(true);
    }
    return Promise.resolve();
  }

  stop(): Promise<void> {
    this.#leader = false;
    return Promise.resolve();
  }
}
