import { ProblemException } from '../common/problems';
import { integrationProgress, type IntegrationRepository } from '../events/integration.repository';
import type { SinkDeadLetterList, SinkList, SinkView } from './dto/sink.dto';
import { sinkCursorName, type SinkWorker } from './sink-worker';

/** The admin view of the configured sinks: durable state from the database, runtime from the workers. */
export class SinksService {
  constructor(
    private readonly workers: readonly SinkWorker[],
    private readonly repo: IntegrationRepository,
  ) {}

  async list(): Promise<SinkList> {
    return { items: await Promise.all(this.workers.map((w) => this.#view(w))) };
  }

  async get(name: string): Promise<SinkView> {
    return this.#view(this.#worker(name));
  }

  async deadLetters(name: string, limit: number): Promise<SinkDeadLetterList> {
    this.#worker(name);
    const rows = await this.repo.deadLetters(sinkCursorName(name), limit);
    return {
      items: rows.map((d) => ({
        eventId: d.eventId,
        attempts: d.attempts,
        error: d.error,
        at: new Date(d.createdAt).toISOString(),
      })),
    };
  }

  #worker(name: string): SinkWorker {
    const w = this.workers.find((x) => x.config.name === name);
    if (!w) throw new ProblemException('SINK_NOT_FOUND', `no sink ${name} is configured`);
    return w;
  }

  async #view(w: SinkWorker): Promise<SinkView> {
    const status = await this.repo.status(sinkCursorName(w.config.name));
    const rt = w.runtime;
    return {
      name: w.config.name,
      kind: w.config.kind,
      events: w.config.events === null ? null : [...w.config.events],
      // Runtime fields are this process's: a gateway that is not the event leader runs no sink.
      running: rt.running,
      state: !rt.running ? 'stopped' : rt.failures > 0 ? 'retrying' : 'up',
      ...integrationProgress(status),
      failures: rt.failures,
      lastError: rt.lastError,
      lastPublishedAt: rt.lastPublishedAt === null ? null : new Date(rt.lastPublishedAt).toISOString(),
    };
  }
}
