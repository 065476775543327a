// End-to-end suites: run against a real local Fabric network that global-setup starts on its own
// ports (base 27000) and directory (.network/test), so a dev network can stay up meanwhile.
/** @type {import('jest').Config} */
module.exports = {
  displayName: 'e2e',
  rootDir: __dirname,
  testMatch: ['<rootDir>/**/*.e2e.ts'],
  transform: { '^.+\\.[tj]s$': ['ts-jest', { tsconfig: '<rootDir>/../tsconfig.spec.json' }] },
  // fabric-gateway depends on @noble/* which ships ES modules only; let ts-jest compile them.
  transformIgnorePatterns: ['/node_modules/(?!(@noble)/)'],
  testEnvironment: 'node',
  globalSetup: '<rootDir>/support/global-setup.js',
  globalTeardown: '<rootDir>/support/global-teardown.js',
  testTimeout: 120000,
  // Suites share one network; running them one after another keeps their ledgers' effects apart.
  maxWorkers: 1,
  // ... in the same order on every machine (see the sequencer).
  testSequencer: '<rootDir>/support/sequencer.js',
};
