// Adds up Jest's JSON reports and prints "N passed, N failed[, N skipped]". A report that is
// missing (a runner that crashed before writing it) and a failed lint count as failures.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const dir = process.argv[2];
let passed = 0;
let failed = 0;
let skipped = 0;
let broken = false;
for (const name of ['unit.json', 'unit-fabric-2.2.json', 'e2e.json', 'e2e-amb.json']) {
  const file = path.join(dir, name);
  if (!fs.existsSync(file)) {
    console.error(`${name}: no report (the runner did not finish)`);
    failed += 1;
    broken = true;
    continue;
  }
  const r = JSON.parse(fs.readFileSync(file, 'utf8'));
  passed += r.numPassedTests;
  failed += r.numFailedTests;
  skipped += r.numPendingTests + r.numTodoTests;
  // A suite that failed to run (syntax error, failing global setup) has no failed tests.
  const brokenSuites = r.numRuntimeErrorTestSuites + (r.testResults || []).filter((s) => s.status === 'failed' && s.assertionResults.length === 0).length;
  if (brokenSuites > 0 || (!r.success && r.numFailedTests === 0)) {
    console.error(`${name}: ${Math.max(brokenSuites, 1)} suite(s) could not run`);
    failed += Math.max(brokenSuites, 1);
    broken = true;
  }
  if (r.numTotalTests === 0) {
    console.error(`${name}: ran no test`);
    broken = true;
  }
}
if (fs.existsSync(path.join(dir, 'lint.failed'))) {
  console.error('lint: failed');
  failed += 1;
}
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed > 0 || broken ? 1 : 0);
