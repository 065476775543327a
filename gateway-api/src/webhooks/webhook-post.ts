import type { LookupAddress } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { DestinationForbiddenError, type DestinationPolicy, DestinationUnresolvedError } from './destination';

/** How a delivery is sent: {@link newWebhookPost} in production; tests may pass their own. */
export type HttpPost = (
  url: string,
  init: { readonly headers: Record<string, string>; readonly body: string; readonly timeoutMs: number },
) => Promise<number>;

/**
 * What the deliveries log says about a failed attempt: a coarse class, never the socket's own
 * error (which would tell a subscriber which ports of the organisation's network are open).
 */
export type FailureClass =
  | 'timeout'
  | 'dns'
  | 'destination_forbidden'
  | 'connect_failed'
  | 'tls'
  | 'http_status'
  | 'failed';

const TLS_CODE = /^(ERR_TLS|ERR_SSL|CERT_|UNABLE_TO_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT|HOSTNAME_MISMATCH)/;

/** The class of a failed attempt (an error thrown by the post). */
export function failureClass(err: unknown): FailureClass {
  if (err instanceof DestinationForbiddenError) return 'destination_forbidden';
  if (err instanceof DestinationUnresolvedError) return 'dns';
  // Duck-typed: an abort's reason is a DOMException, not always an `Error` of this realm.
  if (typeof err !== 'object' || err === null) return 'failed';
  const { name, code: own, cause } = err as { name?: unknown; code?: unknown; cause?: { code?: unknown } };
  if (name === 'TimeoutError' || name === 'AbortError') return 'timeout';
  const code = own ?? cause?.code;
  if (typeof code !== 'string') return 'failed';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'dns';
  if (code === 'ETIMEDOUT' || code === 'ABORT_ERR' || code === 'UND_ERR_CONNECT_TIMEOUT') return 'timeout';
  if (TLS_CODE.test(code)) return 'tls';
  return 'connect_failed';
}

/** A lookup that answers with the addresses already judged, never asking DNS again. */
function pinned(addresses: readonly LookupAddress[]): LookupFunction {
  return ((_host: string, options: { all?: boolean }, callback: (...args: unknown[]) => void) => {
    if (options.all) callback(null, addresses.map((a) => ({ ...a })));
    else callback(null, addresses[0]?.address, addresses[0]?.family);
  }) as unknown as LookupFunction;
}

/**
 * POST with a deadline to a destination the policy permits, connecting to the addresses it judged
 * (see {@link DestinationPolicy}). 3xx are not followed (a receiver answers 2xx or it failed), and
 * the answer's body is not read.
 */
export function newWebhookPost(policy: DestinationPolicy): HttpPost {
  return async (rawUrl, init) => {
    const signal = AbortSignal.timeout(init.timeoutMs);
    const url = new URL(rawUrl);
    const addresses = await policy.resolve(url.hostname);
    signal.throwIfAborted();
    const client = url.protocol === 'https:' ? https : http;
    return new Promise<number>((resolve, reject) => {
      const request = client.request(
        url,
        {
          method: 'POST',
          headers: { ...init.headers, 'content-length': String(Buffer.byteLength(init.body)) },
          lookup: pinned(addresses),
          signal,
          agent: false,
        },
        (response) => {
          resolve(response.statusCode ?? 0);
          response.destroy();
        },
      );
      request.on('error', (err) => reject(signal.aborted ? (signal.reason as Error) : err));
      request.end(init.body);
    });
  };
}
