'use strict';
// A carrier's function: accepts the handovers proposed to it by shippers it trusts, ignores the
// others (a person decides those in the console). An AWS Lambda handler for an EventBridge rule on
// Waybill's `io.waybill.handover.proposed` CloudEvents; run locally by the gateway's function runner
// with the same event shape. No dependencies: Node 20's fetch and crypto.
//
// Environment: CARRIER_MSP (this organisation), TRUSTED_SHIPPERS (comma-separated MSP IDs),
// WAYBILL_API_URL and WAYBILL_API_KEY (the function's own key, role carrier).
const { createHash } = require('node:crypto');

/** The same derivation as the gateway's runner: stable per (function, event), so retries never act twice. */
function idempotencyKey(functionName, eventId) {
  return `fn-${createHash('sha256').update(`${functionName}\n${eventId}`).digest('base64url').slice(0, 40)}`;
}

exports.handler = async (event, context) => {
  const ce = event.detail;
  if (event['detail-type'] !== 'io.waybill.handover.proposed' || !ce || typeof ce.data !== 'object') {
    return { action: 'ignored', reason: 'not a handover proposal' };
  }
  const { assetId, from, to } = ce.data;
  const trusted = (process.env.TRUSTED_SHIPPERS || '').split(',').map((s) => s.trim()).filter(Boolean);
  if (to !== process.env.CARRIER_MSP) return { action: 'ignored', reason: 'not addressed to us', assetId };
  if (!trusted.includes(from)) return { action: 'ignored', reason: 'untrusted shipper', assetId, from };

  const key =
    (context.clientContext && context.clientContext.custom && context.clientContext.custom.idempotencyKey) ||
    idempotencyKey(context.functionName, ce.id);
  const url = `${process.env.WAYBILL_API_URL}/v1/assets/${encodeURIComponent(assetId)}/handover/accept`;
  for (let attempt = 1; ; attempt++) {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'x-api-key': process.env.WAYBILL_API_KEY, 'idempotency-key': key },
      signal: AbortSignal.timeout(Math.max(context.getRemainingTimeInMillis() - 500, 1000)),
    });
    const body = await res.json().catch(() => ({}));
    if (res.ok) {
      return { action: 'accepted', assetId, txId: body.txId, replayed: res.headers.get('idempotent-replayed') === 'true' };
    }
    // The first attempt of this key is still being answered (a retry after a crash): wait for it.
    if (body.code === 'IDEMPOTENCY_KEY_IN_PROGRESS' && attempt < 20) {
      await new Promise((r) => setTimeout(r, 500));
      continue;
    }
    // Someone accepted (or the shipper cancelled) meanwhile: nothing left to do.
    if (body.code === 'INVALID_TRANSITION' || body.code === 'CONFLICT') return { action: 'ignored', reason: 'no longer pending', assetId };
    throw new Error(`accepting ${assetId} failed: HTTP ${res.status} ${body.code || ''}`);
  }
};
