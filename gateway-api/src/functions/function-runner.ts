import { fork } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { FunctionBinding } from './function-binding';
import type { EventBridgeLambdaEvent } from './lambda-event';

/** How one invocation ended. */
export type InvocationOutcome =
  | { readonly kind: 'ok'; readonly result: unknown }
  | { readonly kind: 'error'; readonly error: string }
  | { readonly kind: 'timeout'; readonly error: string }
  | { readonly kind: 'crash'; readonly error: string };

/** Path of the compiled host module (next to this file in dist/). */
export const FUNCTION_HOST = join(__dirname, 'function-host.js');

/**
 * Invokes a function once, isolated in a child process of its own (a fresh Node process per
 * invocation: no state leaks between invocations or into the gateway, and a handler that hangs,
 * loops or exits is contained). The deadline is enforced by killing the process.
 * @param env the function's whole environment (the gateway's own is not inherited).
 */
export function invokeFunction(
  binding: Readonly<FunctionBinding>,
  event: EventBridgeLambdaEvent,
  options: {
    readonly env: Readonly<Record<string, string>>;
    readonly idempotencyKey: string;
    readonly host?: string;
  },
): Promise<InvocationOutcome> {
  const dot = binding.handler.lastIndexOf('.');
  const modulePath = join(binding.codeDir, binding.handler.slice(0, dot));
  const exportName = binding.handler.slice(dot + 1);
  const timeoutMs = binding.timeoutSeconds * 1000;
  return new Promise((resolve) => {
    let settled = false;
    let stderr = '';
    const child = fork(options.host ?? FUNCTION_HOST, [], {
      cwd: binding.codeDir,
      env: { ...options.env },
      execArgv: [],
      stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
      serialization: 'json',
    });
    const finish = (outcome: InvocationOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      resolve(outcome);
    };
    const timer = setTimeout(
      () => finish({ kind: 'timeout', error: `timed out after ${binding.timeoutSeconds} s` }),
      timeoutMs,
    );
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString('utf8')).slice(-2000);
    });
    child.on('message', (m: { ok: boolean; result?: unknown; error?: string; errorType?: string }) => {
      finish(
        m.ok
          ? { kind: 'ok', result: m.result ?? null }
          : { kind: 'error', error: `${m.errorType ?? 'Error'}: ${m.error ?? ''}` },
      );
    });
    child.on('error', (err) => finish({ kind: 'crash', error: err.message }));
    child.on('exit', (code, signal) => {
      const last = stderr.trim().split('\n').slice(-1)[0] ?? '';
      finish({
        kind: 'crash',
        error: `the function's process exited (${signal ?? `code ${code}`}) before answering${last ? `: ${last.slice(0, 300)}` : ''}`,
      });
    });
    child.send({
      modulePath,
      exportName,
      event,
      context: {
        functionName: binding.name,
        invokedFunctionArn: `arn:aws:lambda:${binding.eventBridge.region}:${binding.eventBridge.account}:function:${binding.name}`,
        awsRequestId: randomUUID(),
        deadlineMs: Date.now() + timeoutMs,
        memoryLimitInMB: '128',
        idempotencyKey: options.idempotencyKey,
      },
    });
  });
}

/**
 * The environment a function runs with: the binding's own settings, the Lambda variables a handler
 * may read, and the API it may call with its own key. Nothing else of the gateway's environment.
 */
export function functionEnv(
  binding: Readonly<FunctionBinding>,
  api: { readonly url: string | undefined; readonly key: string | undefined },
): Record<string, string> {
  return {
    ...binding.environment,
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    TZ: 'UTC',
    AWS_LAMBDA_FUNCTION_NAME: binding.name,
    AWS_REGION: binding.eventBridge.region,
    ...(api.url === undefined ? {} : { WAYBILL_API_URL: api.url }),
    ...(api.key === undefined ? {} : { WAYBILL_API_KEY: api.key }),
  };
}
