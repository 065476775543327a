import type { JsonLogger } from './logger';

/** A one-shot wake-up a loop can wait on with a timeout. */
export class Wakeup {
  #pending = false;
  #signalled = false;
  #resolve: (() => void) | undefined;

  /** Whether the last {@link wait} ended by a signal (not by its timeout). */
  get signalledSinceLastWait(): boolean {
    return this.#signalled;
  }

  signal(): void {
    this.#pending = true;
    this.#signalled = true;
    this.#resolve?.();
  }

  /** Resolves at the next signal (or at once if one came since the last wait), or after `ms`. */
  wait(ms: number): Promise<void> {
    this.#signalled = false;
    if (this.#pending) {
      this.#signalled = true;
      this.#pending = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.#resolve = undefined;
        this.#pending = false;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.#resolve = done;
    });
  }
}

/** Waits for `promise` (its rejection ignored), or at most `ms`. */
export async function settleWithin(promise: Promise<unknown> | undefined, ms: number): Promise<void> {
  if (promise === undefined) return;
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    promise.catch(() => undefined),
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, ms);
    }),
  ]);
  clearTimeout(timer);
}

/** What a {@link BackgroundLoop} step sees of its run. */
export interface LoopRun {
  /** False once the loop was stopped (or restarted): the step should return soon. */
  active(): boolean;
}

/**
 * One step of a loop: does a unit of work and says how long to wait before the next step (0: go on
 * at once). A wake-up ends the wait early. A step may handle its own failures (it knows what to
 * log and how long to back off); one it lets escape goes to `onFailure`, then the loop waits
 * `failureWaitMs`.
 */
export type LoopStep = (run: LoopRun) => Promise<number>;

/** Options of a {@link BackgroundLoop}. */
export interface BackgroundLoopOptions {
  /** How long {@link BackgroundLoop.stop} waits for a step in progress (a ledger call may hang). */
  readonly graceMs?: number;
  /** Wait after a step that threw. */
  readonly failureWaitMs?: number;
  /** Called at stop, before waiting: interrupts a step that blocks (closes a stream, …). */
  readonly interrupt?: () => void;
  /** More work to wait for at stop, within the same grace period (attempts in flight, …). */
  readonly pending?: () => readonly Promise<unknown>[];
  /**
   * Subscribes the loop's wake-up to a source of news (new events, …) at start; the function it
   * returns unsubscribes, at stop.
   */
  readonly wakeOn?: (wake: () => void) => () => void;
  /** Hears a failure a step let escape (to log it) before the loop waits `failureWaitMs`. */
  readonly onFailure?: (error: unknown) => void;
}

/**
 * The one loop mechanism of the gateway's background work (event reader, read-model projector,
 * webhook workers): a running flag, a generation, a wake-up and a bounded stop.
 *
 * Every start and stop bumps the generation, and a run only goes on while its generation is
 * current: a run still settling after a stop (a stream being opened to an unreachable peer) never
 * runs on beside the run of the next start (leadership lost and won again).
 */
export class BackgroundLoop {
  readonly #wake = new Wakeup();
  readonly #step: LoopStep;
  readonly #options: Readonly<BackgroundLoopOptions>;
  #running = false;
  #generation = 0;
  #run: Promise<void> | undefined;
  #unsubscribe: (() => void) | undefined;

  constructor(step: LoopStep, options: Readonly<BackgroundLoopOptions> = {}) {
    this.#step = step;
    this.#options = options;
  }

  get running(): boolean {
    return this.#running;
  }

  /** Starts the loop (nothing when it runs already). */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#unsubscribe = this.#options.wakeOn?.(() => this.wake());
    this.#run = this.#loop(++this.#generation);
  }

  /** Ends the current wait, so the next step runs now. */
  wake(): void {
    this.#wake.signal();
  }

  /**
   * Stops the loop: interrupts the step in progress and waits for it at most `graceMs` (closing
   * the ledger afterwards cancels what is still open).
   */
  async stop(graceMs = this.#options.graceMs ?? 2_000): Promise<void> {
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    this.#running = false;
    this.#generation += 1;
    this.#options.interrupt?.();
    this.#wake.signal();
    await settleWithin(Promise.all([this.#run, ...(this.#options.pending?.() ?? [])]), graceMs);
  }

  async #loop(generation: number): Promise<void> {
    const run: LoopRun = { active: () => this.#running && generation === this.#generation };
    while (run.active()) {
      let waitMs: number;
      try {
        waitMs = await this.#step(run);
      } catch (err) {
        this.#options.onFailure?.(err);
        waitMs = this.#options.failureWaitMs ?? 1_000;
      }
      if (run.active() && waitMs > 0) await this.#wake.wait(waitMs);
    }
  }
}

/** Options of a {@link PeriodicJob}. */
export interface PeriodicJobOptions {
  /** For the log line of a failed run (`<name> failed`). */
  readonly name: string;
  /** 0 switches the job off. */
  readonly everyMs: number;
  readonly logger: JsonLogger;
}

/**
 * A job run every `everyMs` (purges, retention), never two runs at once; {@link stop} waits for the
 * run in progress. A run that throws is logged as a warning; the next runs at its time.
 */
export class PeriodicJob {
  #timer: NodeJS.Timeout | undefined;
  #run: Promise<void> | undefined;

  constructor(
    private readonly options: Readonly<PeriodicJobOptions>,
    private readonly job: () => Promise<void>,
  ) {}

  start(): void {
    if (this.#timer || this.options.everyMs <= 0) return;
    this.#timer = setInterval(() => {
      this.#run ??= this.job()
        .catch((err: unknown) =>
          this.options.logger.write('warn', `${this.options.name} failed`, {
            error: err instanceof Error ? err.message : String(err),
          }),
        )
        .finally(() => (this.#run = undefined));
    }, this.options.everyMs);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#run;
  }
}
