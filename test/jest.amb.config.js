// The same end-to-end suites, a chosen subset, against the AMB-shaped network (`--profile amb`:
// Fabric 2.2 peers without a Gateway service, AMB member-ID MSPs with admincerts, V2_0 channel),
// whose gateway APIs run the fabric-network (Fabric 2.2 SDK) adapter. One network for all of them,
// started by the same global setup in .network/test-amb on the same base port (npm test runs it
// after the standard run has stopped its network). The suites read the profile's MSP ids from its
// topology, so every assertion is the one the standard network passes: the API answers the same
// bodies and problem types on both adapters.
process.env.WAYBILL_E2E_PROFILE = 'amb';
const base = require('./jest.config');

/** @type {import('jest').Config} */
module.exports = {
  ...base,
  displayName: 'e2e-amb',
  testMatch: [
    // create, handovers, sale with private terms, holds, documents, split/merge, recall, history
    '<rootDir>/api/journey.e2e.ts',
    // problem types of refused and invalid requests
    '<rootDir>/api/errors.e2e.ts',
    // events (SSE, webhooks, a gateway killed mid-stream, the read model)
    '<rootDir>/events/events.e2e.ts',
    // personal data off-chain, erasure, ledger scans
    '<rootDir>/privacy/personal-data.e2e.ts',
    // a peer stopped and restarted under the 2.2 adapter
    '<rootDir>/api/peer-down.e2e.ts',
    // `waybill migrate` from the 2.2 network (signed proposals, no Gateway) into a fresh 2.5 one
    '<rootDir>/network/migration.amb-e2e.ts',
  ],
};
