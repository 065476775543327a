/**
 * The process a function invocation runs in (forked by the runner, one per invocation, like a
 * Lambda cold start): it loads the handler module, calls `handler(event, context)` the way Lambda's
 * Node runtime does (a promise, or the callback), sends the outcome to the runner and exits. Its
 * environment holds only what the binding gives the function, never the gateway's own variables.
 */
import { resolve } from 'node:path';

interface InvokeMessage {
  readonly modulePath: string;
  readonly exportName: string;
  readonly event: unknown;
  readonly context: {
    readonly functionName: string;
    readonly invokedFunctionArn: string;
    readonly awsRequestId: string;
    readonly deadlineMs: number;
    readonly memoryLimitInMB: string;
    readonly idempotencyKey: string;
  };
}

type Handler = (
  event: unknown,
  context: unknown,
  callback?: (err: unknown, result?: unknown) => void,
) => unknown;

function send(
  message: { ok: true; result: unknown } | { ok: false; error: string; errorType: string },
): void {
  // JSON round trip: what a Lambda returns is JSON too.
  process.send?.(JSON.parse(JSON.stringify(message)) as unknown, () => process.exit(0));
}

process.once('message', (raw: InvokeMessage) => {
  void (async () => {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- the handler is a CommonJS module path known only at run time
      const mod = require(resolve(raw.modulePath)) as Record<string, unknown>;
      const handler = mod[raw.exportName];
      if (typeof handler !== 'function')
        throw new TypeError(`${raw.modulePath} exports no function ${raw.exportName}`);
      const c = raw.context;
      const context = {
        functionName: c.functionName,
        functionVersion: '$LATEST',
        invokedFunctionArn: c.invokedFunctionArn,
        memoryLimitInMB: c.memoryLimitInMB,
        awsRequestId: c.awsRequestId,
        logGroupName: `/aws/lambda/${c.functionName}`,
        logStreamName: `waybill/${c.awsRequestId}`,
        callbackWaitsForEmptyEventLoop: true,
        clientContext: { custom: { idempotencyKey: c.idempotencyKey } },
        getRemainingTimeInMillis: () => Math.max(c.deadlineMs - Date.now(), 0),
      };
      const result = await new Promise<unknown>((resolvePromise, reject) => {
        const returned = (handler as Handler)(raw.event, context, (err, value) =>
          err ? reject(err instanceof Error ? err : new Error(JSON.stringify(err))) : resolvePromise(value),
        );
        if (returned !== undefined && typeof (returned as Promise<unknown>).then === 'function') {
          (returned as Promise<unknown>).then(resolvePromise, reject);
        }
      });
      send({ ok: true, result: result ?? null });
    } catch (err) {
      send({
        ok: false,
        error: (err instanceof Error ? err.message : String(err)).slice(0, 500),
        errorType: err instanceof Error ? err.name : 'Error',
      });
    }
  })();
});
