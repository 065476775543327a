import type { CallHandler, ExecutionContext, NestInterceptor } from '@nestjs/common';
import { createParamDecorator } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { from, mergeMap, type Observable } from 'rxjs';
import { ProblemException } from '../common/problems';

/**
 * `X-Min-Block: N` on a read: answer only from a ledger that holds block N.
 *
 * A write answers once it committed on the writer's own peer; another organisation's peer commits
 * the same block a moment later. A partner that was handed a write's `blockNumber` (in the
 * response, an event or a webhook) passes it with its read to its own gateway, which waits (up to
 * `WAYBILL_MIN_BLOCK_WAIT_MS`) until its peer (and, for answers of the read model, the read model)
 * holds that block, then answers; otherwise 503 `MIN_BLOCK_NOT_REACHED`, retryable.
 */
export const MIN_BLOCK_HEADER = 'x-min-block';

/** Block numbers are decimal, without sign or leading zeros, within JavaScript's exact integers. */
const BLOCK_NUMBER = /^(0|[1-9][0-9]{0,15})$/;

declare module 'fastify' {
  interface FastifyRequest {
    /** The block the client's `X-Min-Block` asked for, and until when the request may wait for it. */
    minBlock?: MinBlock;
  }
}

/** A read's consistency requirement. */
export interface MinBlock {
  readonly block: number;
  /** `Date.now()` after which the request stops waiting. */
  readonly deadline: number;
}

/**
 * The header's value, or undefined when absent.
 * @throws {@link ProblemException} VALIDATION_FAILED for anything but one block number.
 */
export function parseMinBlock(raw: string | readonly string[] | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const value = typeof raw === 'string' ? raw.trim() : undefined;
  if (value === undefined || !BLOCK_NUMBER.test(value) || !Number.isSafeInteger(Number(value))) {
    throw new ProblemException('VALIDATION_FAILED', 'X-Min-Block must be one block number', {
      errors: [{ field: 'X-Min-Block', message: 'a non-negative integer (a block number), given once' }],
    });
  }
  return Number(value);
}

/** Test seams of {@link BlockWaiter}. */
export interface WaiterClock {
  readonly now: () => number;
  readonly sleep: (ms: number) => Promise<void>;
}

const realClock: WaiterClock = {
  now: Date.now,
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

const FIRST_POLL_MS = 20;
const MAX_POLL_MS = 250;

/**
 * Calls `check` until it answers true (pauses from 20 ms, doubling up to 250 ms); false once
 * `deadline` (a `clock.now()` value) passed without. Rejects when `check` does.
 */
export async function pollUntil(
  check: () => Promise<boolean>,
  deadline: number,
  clock: WaiterClock = realClock,
): Promise<boolean> {
  let pause = FIRST_POLL_MS;
  for (;;) {
    if (await check()) return true;
    const left = deadline - clock.now();
    if (left <= 0) return false;
    await clock.sleep(Math.min(pause, left));
    pause = Math.min(pause * 2, MAX_POLL_MS);
  }
}

/**
 * Waits until a height (the next block's number) passes a block. Heights only grow, so the highest
 * one seen answers every request at or below it without asking again; while requests wait, one
 * probe at a time asks for the height and all of them share its answer.
 */
export class BlockWaiter {
  #known = -1;
  #probe: Promise<number> | undefined;

  constructor(
    /** The current height, read as `identity`; rejects when it cannot be read. */
    private readonly height: (identity: string) => Promise<number>,
    private readonly clock: WaiterClock = realClock,
  ) {}

  /** The highest height seen so far (-1 before the first probe). */
  get known(): number {
    return this.#known;
  }

  /**
   * Resolves true once the height passes `block`, false at `deadline` (a `now()` value) if it has
   * not. Rejects when the height cannot be read.
   */
  async waitFor(identity: string, block: number, deadline: number): Promise<boolean> {
    return pollUntil(
      async () => this.#known > block || (await this.#heightNow(identity)) > block,
      deadline,
      this.clock,
    );
  }

  #heightNow(identity: string): Promise<number> {
    this.#probe ??= this.height(identity)
      .then((h) => {
        this.#known = Math.max(this.#known, h);
        return this.#known;
      })
      .finally(() => {
        this.#probe = undefined;
      });
    return this.#probe;
  }
}

/**
 * Holds back GET requests carrying `X-Min-Block` until this organisation's ledger (as its peers
 * report it) holds the block; the read model's routes wait for their own projection with the same
 * deadline ({@link MinBlockParam}). Runs after the API-key guard; public routes ignore the header.
 */
export class MinBlockInterceptor implements NestInterceptor {
  constructor(
    private readonly waiter: BlockWaiter,
    private readonly waitMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const client = request.client;
    if ((request.method !== 'GET' && request.method !== 'HEAD') || !client) return next.handle();
    const block = parseMinBlock(request.headers[MIN_BLOCK_HEADER]);
    if (block === undefined) return next.handle();
    const minBlock: MinBlock = { block, deadline: this.now() + this.waitMs };
    request.minBlock = minBlock;
    return from(this.waiter.waitFor(client.identityId, block, minBlock.deadline)).pipe(
      mergeMap((reached) => {
        if (!reached) throw notReached('this organisation’s peers', block, this.waiter.known);
        return next.handle();
      }),
    );
  }
}

/** The 503 of a read whose block did not arrive in time. */
export function notReached(where: string, block: number, height: number): ProblemException {
  const holds = height < 0 ? 'nothing yet' : `blocks up to ${height - 1}`;
  return new ProblemException(
    'MIN_BLOCK_NOT_REACHED',
    `block ${block} is not yet in ${where} (${holds}); retry`,
    {},
    { 'Retry-After': '1' },
  );
}

/** The request's `X-Min-Block` requirement (undefined without the header), for the read model's routes. */
export const MinBlockParam = createParamDecorator(
  (_data: unknown, ctx: ExecutionContext): MinBlock | undefined =>
    ctx.switchToHttp().getRequest<FastifyRequest>().minBlock,
);
