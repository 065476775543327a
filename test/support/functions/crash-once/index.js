'use strict';
// Test wrapper of the carrier's example function (integrations e2e): runs the real handler, then
// the first time it sees an event it kills its own process before answering — a crash after the
// function acted on the ledger. The runner must invoke it again, and the repeated request (same
// Idempotency-Key) must not accept twice. EXAMPLE_MODULE: the example's index.js; MARKER_DIR:
// where it remembers the events it crashed on.
const fs = require('node:fs');
const path = require('node:path');

const example = require(process.env.EXAMPLE_MODULE);

exports.handler = async (event, context) => {
  const result = await example.handler(event, context);
  const marker = path.join(process.env.MARKER_DIR, Buffer.from(event.detail.id).toString('hex'));
  if (!fs.existsSync(marker)) {
    fs.writeFileSync(marker, JSON.stringify(result));
    process.exit(1);
  }
  return result;
};
