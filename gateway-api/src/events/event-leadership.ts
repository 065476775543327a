import type { JsonLogger } from '../common/logger';
import type { MetricsService } from '../metrics/metrics.service';
import type { EventStoreWatcher } from './event-store-watcher';
import type { LeaderElection } from './leader-election';

/**
 * Work only the event leader of a database does (reading blocks, updating the read model,
 * delivering webhooks). Each feature registers its own with {@link EventLeadership.register}.
 */
export interface EventWork {
  /** For logs. */
  readonly name: string;
  start(): void | Promise<void>;
  /** Resolves once the work has stopped (or its grace period is over). */
  stop(): Promise<void>;
}

/**
 * Runs the registered {@link EventWork} while this process is the event leader, and the store
 * watcher (which wakes local SSE streams) while it is not.
 */
export class EventLeadership {
  readonly #work: EventWork[] = [];
  /** The last leadership transition (start or stop of the event work). */
  #transition: Promise<void> = Promise.resolve();
  #shuttingDown = false;

  constructor(
    private readonly election: LeaderElection,
    private readonly watcher: EventStoreWatcher,
    private readonly logger: JsonLogger,
    private readonly metrics: MetricsService,
  ) {}

  /** Adds work to start when this process leads (call before {@link start}). */
  register(work: EventWork): void {
    this.#work.push(work);
  }

  isLeader(): boolean {
    return this.election.isLeader();
  }

  /** Campaigns; a process that leads from the start has its work running when this resolves. */
  async start(): Promise<void> {
    this.metrics.eventsLeader.set(0);
    await this.election.start((leader) => this.#leadershipChanged(leader));
    if (!this.election.isLeader()) this.watcher.start();
    await this.#transition;
  }

  /** Stops the work, and only then gives leadership up: the next leader never overlaps with it. */
  async stop(): Promise<void> {
    this.#shuttingDown = true;
    this.watcher.stop();
    await Promise.all([this.#transition, this.#stopWork()]);
    await this.election.stop();
    this.metrics.eventsLeader.set(0);
  }

  #leadershipChanged(leader: boolean): void {
    this.metrics.eventsLeader.set(leader ? 1 : 0);
    if (leader) {
      this.watcher.stop();
      this.#transition = this.#transition.then(() => this.#startWork());
    } else {
      // At once, not behind a transition in progress: a process that lost the lock must stop
      // storing and delivering now. A start still queued sees it is no longer leader and skips.
      const stopping = this.#stopWork();
      if (!this.#shuttingDown) this.watcher.start();
      this.#transition = Promise.all([this.#transition, stopping]).then(() => undefined);
    }
  }

  async #startWork(): Promise<void> {
    if (!this.election.isLeader() || this.#shuttingDown) return;
    await Promise.all(
      this.#work.map(async (work) => {
        try {
          await work.start();
        } catch (err) {
          // The work retries on its own (e.g. webhook delivery re-reads its subscriptions).
          this.logger.write('warn', `${work.name} could not start`, {
            error: err instanceof Error ? err.message : String(err),
          });
        }
      }),
    );
  }

  async #stopWork(): Promise<void> {
    await Promise.all(this.#work.map((work) => work.stop()));
  }
}
