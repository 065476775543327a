import type { JsonLogger } from '../common/logger';
import { ProblemException } from '../common/problems';
import type { EventOrigin } from '../events/cloud-event';
import type { EventStoreRepository } from '../events/event-store.repository';
import { type DeadLetter, integrationProgress, type IntegrationRepository } from '../events/integration.repository';
import type { SinkDeadLetterList, SinkList, SinkRedeliverResult, SinkView } from './dto/sink.dto';
import { describeSinkError, type SinkPublisherFactory, SinkRejectedError } from './sink-publisher';
import { sinkCursorName, type SinkWorker, toOutbound } from './sink-worker';

/** At most this many dead letters (the oldest) are redelivered per call. */
const REDELIVER_BATCH = 100;
/** A redelivery call stops starting new publishes after this long (the rest stays for the next call). */
const REDELIVER_BUDGET_MS = 10_000;

/** What the service needs besides the workers and the integration state. */
export interface SinksServiceDeps {
  readonly events: EventStoreRepository;
  readonly newPublisher: SinkPublisherFactory;
  readonly origin: EventOrigin;
  readonly logger: JsonLogger;
}

/**
 * The admin view of the configured sinks (durable state from the database, runtime from the
 * workers) and the redelivery of their dead letters.
 */
export class SinksService {
  constructor(
    private readonly workers: readonly SinkWorker[],
    private readonly repo: IntegrationRepository,
    private readonly deps: SinksServiceDeps,
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

  /**
   * Publishes dead letters again, now, each on its own (so the answer says exactly which the bus
   * took): one event, or the sink's oldest {@link REDELIVER_BATCH}, in event order. One the bus
   * acknowledges is no longer a dead letter; one it refuses again stays, with one attempt more and
   * the new error. It runs on a publisher of its own, beside the sink's worker (which may run in
   * another process), so a consumer may see a redelivered event twice and de-duplicates by ID, as
   * always; a redelivered event arrives after the asset's later events.
   * @throws ProblemException SINK_NOT_FOUND, DEAD_LETTER_NOT_FOUND (that event is no dead letter of
   *   the sink), SINK_UNAVAILABLE (the bus could not be reached: what went out before stays out).
   */
  async redeliver(name: string, eventId?: string): Promise<SinkRedeliverResult> {
    const worker = this.#worker(name);
    const cursor = sinkCursorName(name);
    let letters: DeadLetter[];
    if (eventId === undefined) {
      letters = await this.repo.oldestDeadLetters(cursor, REDELIVER_BATCH);
    } else {
      const one = await this.repo.deadLetterOf(cursor, eventId);
      if (!one)
        throw new ProblemException('DEAD_LETTER_NOT_FOUND', `sink ${name} has no dead letter of ${eventId}`);
      letters = [one];
    }
    const stored = new Map(
      (await this.deps.events.bySeq(letters.map((l) => l.eventSeq))).map((e) => [e.seq, e]),
    );
    const failed: { eventId: string; error: string }[] = [];
    let redelivered = 0;
    if (letters.length > 0) {
      const publisher = this.deps.newPublisher(worker.config);
      const stopAt = Date.now() + REDELIVER_BUDGET_MS;
      try {
        for (const letter of letters) {
          if (Date.now() > stopAt) break;
          const event = stored.get(letter.eventSeq);
          if (!event) {
            failed.push({ eventId: letter.eventId, error: 'the event is no longer in the event store' });
            continue;
          }
          try {
            await publisher.publish([toOutbound(event, this.deps.origin)]);
          } catch (err) {
            if (!(err instanceof SinkRejectedError)) {
              throw new ProblemException(
                'SINK_UNAVAILABLE',
                `${describeSinkError(err)}; ${redelivered} of ${letters.length} dead letters were redelivered before`,
              );
            }
            await this.repo.deadLetterFailedAgain(cursor, letter.eventSeq, err.message);
            failed.push({ eventId: letter.eventId, error: err.message.slice(0, 500) });
            continue;
          }
          await this.repo.removeDeadLetter(cursor, letter.eventSeq);
          redelivered += 1;
        }
      } finally {
        await publisher.close();
        this.deps.logger.write('info', 'sink dead letters redelivered', {
          sink: name,
          redelivered,
          refused: failed.length,
        });
      }
    }
    return { redelivered, failed, remaining: await this.repo.deadLetterCount(cursor) };
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
