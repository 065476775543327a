import { backoffDelay } from '../common/backoff';
import { BackgroundLoop } from '../common/background-loop';
import type { JsonLogger } from '../common/logger';
import { cloudEventType, type EventOrigin, toCloudEvent } from '../events/cloud-event';
import { isGatewayEvent, type StoredEvent } from '../events/event.types';
import type { EventStoreRepository } from '../events/event-store.repository';
import type { IntegrationRepository } from '../events/integration.repository';
import type { MetricsService } from '../metrics/metrics.service';
import type { FunctionBinding } from './function-binding';
import { type InvocationOutcome, invokeFunction } from './function-runner';
import { eventBridgeLambdaEvent, idempotencyKeyFor } from './lambda-event';

const PAGE = 100;
const IDLE_CHECK_MS = 5_000;
const RETRY_BASE_MS = 200;
const RETRY_MAX_MS = 10_000;

/** The cursor (and dead-letter) name of a function. */
export function functionCursorName(name: string): string {
  return `function:${name}`;
}

/** Whether a binding's filters select an event. */
export function bindingSelects(b: Readonly<FunctionBinding>, e: StoredEvent): boolean {
  const f = b.filters;
  // The gateway's own events (NetworkMigrated) reach every function, whatever its filters.
  if (isGatewayEvent(e.name)) return true;
  if (f.types.length > 0 && !f.types.includes(cloudEventType(e.name))) return false;
  if (f.assets.length > 0 && !e.assetIds.some((a) => f.assets.includes(a))) return false;
  if (f.orgs.length > 0) {
    let actor: unknown;
    try {
      actor = (JSON.parse(e.payload) as { actorOrg?: unknown }).actorOrg;
    } catch {
      return false;
    }
    if (typeof actor !== 'string' || !f.orgs.includes(actor)) return false;
  }
  return true;
}

/** Stops a page mid-way (the worker was stopped): its cursor does not move. */
class Interrupted extends Error {}

/**
 * Runs one bound function on the events its filters select, from its own durable position:
 * per asset in event order, up to `concurrency` assets at once; each invocation isolated, with its
 * deadline, retried with backoff up to `retries` times, then dead-lettered. At-least-once and
 * idempotent by event ID: an invocation's record (function, event) says it is done, so a repeated
 * page skips it; one found `running` (the gateway died during it) runs again, with the same
 * idempotency key for whatever it does on the ledger.
 */
export class FunctionWorker {
  readonly #loop = new BackgroundLoop((run) => this.#step(run), { graceMs: 5_000 });
  #cursor: number | undefined;

  constructor(
    readonly binding: Readonly<FunctionBinding>,
    private readonly env: Readonly<Record<string, string>>,
    private readonly events: EventStoreRepository,
    private readonly repo: IntegrationRepository,
    private readonly origin: Readonly<EventOrigin>,
    private readonly logger: JsonLogger,
    private readonly metrics: MetricsService,
  ) {}

  get running(): boolean {
    return this.#loop.running;
  }

  start(): void {
    this.#cursor = undefined;
    this.#loop.start();
  }

  stop(): Promise<void> {
    return this.#loop.stop();
  }

  wake(): void {
    this.#loop.wake();
  }

  async #step(run: { active(): boolean }): Promise<number> {
    const name = functionCursorName(this.binding.name);
    try {
      this.#cursor ??= await this.repo.cursor(name, () => this.events.maxSeq());
      const upto = await this.events.maxSeq();
      if (upto <= this.#cursor) return IDLE_CHECK_MS;
      const page = await this.events.list({ afterSeq: this.#cursor, uptoSeq: upto, limit: PAGE });
      const last = page[page.length - 1];
      if (!last) return IDLE_CHECK_MS;
      const groups = new Map<string, StoredEvent[]>();
      for (const e of page.filter((x) => bindingSelects(this.binding, x))) {
        const key = e.assetIds[0] ?? '';
        groups.set(key, [...(groups.get(key) ?? []), e]);
      }
      const queue = [...groups.values()];
      const lane = async (): Promise<void> => {
        for (let g = queue.shift(); g; g = queue.shift()) for (const e of g) await this.#handle(e, run);
      };
      await Promise.all(Array.from({ length: Math.min(this.binding.concurrency, queue.length) }, lane));
      if (!run.active()) return 0;
      await this.repo.advance(name, last.seq);
      this.#cursor = last.seq;
      return 0;
    } catch (err) {
      if (!(err instanceof Interrupted)) {
        this.logger.write('warn', 'function worker step failed', {
          function: this.binding.name,
          error: err instanceof Error ? err.message : String(err),
        });
      }
      return 1_000;
    }
  }

  /** Runs the function for one event until it succeeds or is dead-lettered. */
  async #handle(e: StoredEvent, run: { active(): boolean }): Promise<void> {
    const fn = this.binding.name;
    const prior = await this.repo.invocation(fn, e.id);
    if (prior?.state === 'done' || prior?.state === 'dead') return;
    const lambdaEvent = eventBridgeLambdaEvent(
      JSON.parse(toCloudEvent(e, this.origin).toString()) as Record<string, unknown>,
      this.binding.eventBridge,
    );
    const idempotencyKey = idempotencyKeyFor(fn, e.id);
    for (;;) {
      if (!run.active()) throw new Interrupted();
      const attempt = await this.repo.startInvocation(fn, e.id, e.seq);
      const started = Date.now();
      const outcome: InvocationOutcome = await invokeFunction(this.binding, lambdaEvent, {
        env: this.env,
        idempotencyKey,
      });
      this.metrics.functionDuration.observe({ function: fn }, (Date.now() - started) / 1000);
      if (outcome.kind === 'ok') {
        await this.repo.finishInvocation(fn, e.id, { state: 'done', result: JSON.stringify(outcome.result) });
        this.metrics.functionInvocations.inc({ function: fn, outcome: 'ok' });
        return;
      }
      this.metrics.functionInvocations.inc({ function: fn, outcome: outcome.kind });
      const dead = attempt > this.binding.retries;
      this.logger.write('warn', 'function invocation failed', {
        function: fn,
        eventId: e.id,
        attempt,
        outcome: outcome.kind,
        error: outcome.error,
        deadLettered: dead,
      });
      if (dead) {
        await this.repo.deadLetter({
          name: functionCursorName(fn),
          eventSeq: e.seq,
          eventId: e.id,
          attempts: attempt,
          error: `${outcome.kind}: ${outcome.error}`,
        });
        await this.repo.finishInvocation(fn, e.id, { state: 'dead', error: outcome.error });
        this.metrics.functionInvocations.inc({ function: fn, outcome: 'dead' });
        return;
      }
      await this.repo.finishInvocation(fn, e.id, { state: 'failed', error: outcome.error });
      await new Promise((r) => setTimeout(r, backoffDelay(attempt, RETRY_BASE_MS, RETRY_MAX_MS)));
    }
  }
}
