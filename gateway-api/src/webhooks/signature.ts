import { createHmac, timingSafeEqual } from 'node:crypto';

/** Request header carrying the signature: `t=<unix seconds>,v1=<hex HMAC-SHA256>`. */
export const SIGNATURE_HEADER = 'waybill-signature';

/** Default age beyond which a receiver should refuse a signed request (replay protection). */
export const DEFAULT_TOLERANCE_SECONDS = 300;

/** HMAC-SHA256 (hex) of `<timestamp>.<body>` under the subscription's secret. */
export function signPayload(secret: string, timestamp: number, body: string): string {
  return createHmac('sha256', secret).update(`${timestamp}.${body}`, 'utf8').digest('hex');
}

/** The `Waybill-Signature` header value for a delivery sent at `timestamp` (unix seconds). */
export function signatureHeader(secret: string, timestamp: number, body: string): string {
  return `t=${timestamp},v1=${signPayload(secret, timestamp, body)}`;
}

/** Why a signature was refused, or `ok`. */
export type VerifyResult = 'ok' | 'malformed' | 'expired' | 'mismatch';

/**
 * Checks a `Waybill-Signature` header the way a receiver should (docs/events.md): parse `t` and
 * every `v1`, refuse a timestamp further than `toleranceSeconds` from now, compare the HMAC in
 * constant time. `body` must be the raw request body, byte for byte.
 */
export function verifySignature(
  secret: string,
  header: string | undefined,
  body: string,
  options: { readonly toleranceSeconds?: number; readonly nowSeconds?: number } = {},
): VerifyResult {
  if (header === undefined) return 'malformed';
  let timestamp: number | undefined;
  const signatures: string[] = [];
  for (const part of header.split(',')) {
    const [key, value] = part.trim().split('=', 2);
    if (key === 't' && value !== undefined && /^\d{1,12}$/.test(value)) timestamp = Number(value);
    else if (key === 'v1' && value !== undefined && /^[0-9a-f]{64}$/.test(value)) signatures.push(value);
  }
  if (timestamp === undefined || signatures.length === 0) return 'malformed';
  const now = options.nowSeconds ?? Math.floor(Date.now() / 1000);
  if (Math.abs(now - timestamp) > (options.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS)) return 'expired';
  const expected = Buffer.from(signPayload(secret, timestamp, body), 'hex');
  return signatures.some((s) => timingSafeEqual(Buffer.from(s, 'hex'), expected)) ? 'ok' : 'mismatch';
}

/**
 * Standard Webhooks (standardwebhooks.com) signing: the secret is `whsec_<base64 key>`, the signed
 * content `<webhook-id>.<webhook-timestamp>.<body>`, the header `v1,<base64 HMAC-SHA256>`. Written
 * here rather than taken from the `standardwebhooks` package because it is four lines of
 * `node:crypto`; the tests verify it with that package's own verifier, an independent check.
 */
export const STANDARD_WEBHOOK_SECRET = /^whsec_([A-Za-z0-9+/]{22,}={0,2})$/;

/** The HMAC key of a Standard Webhooks secret, or undefined when it is not one. */
export function standardWebhookKey(secret: string): Buffer | undefined {
  const m = STANDARD_WEBHOOK_SECRET.exec(secret);
  if (!m?.[1]) return undefined;
  const key = Buffer.from(m[1], 'base64');
  return key.length >= 16 && key.length <= 64 ? key : undefined;
}

/** The three Standard Webhooks headers of a message. */
export function standardWebhookHeaders(
  secret: string,
  messageId: string,
  timestamp: number,
  body: string,
): { 'webhook-id': string; 'webhook-timestamp': string; 'webhook-signature': string } {
  const key = standardWebhookKey(secret);
  if (!key) throw new Error('the subscription secret is not a Standard Webhooks secret (whsec_<base64>)');
  const signature = createHmac('sha256', key)
    .update(`${messageId}.${timestamp}.${body}`, 'utf8')
    .digest('base64');
  return {
    'webhook-id': messageId,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': `v1,${signature}`,
  };
}
