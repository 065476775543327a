// Unit tests of every package: *.spec.ts next to the code. End-to-end suites live in test/ and
// have their own config (test/jest.config.js), because they need a running network.
const transform = { '^.+\\.[tj]s$': ['ts-jest', { tsconfig: '<rootDir>/../tsconfig.spec.json' }] };
// fabric-gateway depends on @noble/* which ships ES modules only; let ts-jest compile them.
const transformIgnorePatterns = ['/node_modules/(?!(@noble)/)'];
const project = (name) => ({
  displayName: name,
  rootDir: `<rootDir>/${name}`,
  testMatch: ['<rootDir>/src/**/*.spec.ts'],
  transform,
  transformIgnorePatterns,
  testEnvironment: 'node',
  collectCoverageFrom: ['src/**/*.ts', '!src/**/*.spec.ts', '!src/**/testing/**', '!src/**/*.d.ts'],
});
/** @type {import('jest').Config} */
module.exports = {
  projects: [
    ...['chaincode', 'fabric-signer', 'infra', 'gateway-api'].map(project),
    // The console's pure logic (views/*.ts without DOM); its pages are tested in a real browser (test/console).
    {
      ...project('console'),
      transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.spec.json' }] },
      collectCoverageFrom: ['src/**/*.ts', '!src/**/*.spec.ts', '!src/testing.ts', '!src/**/*.d.ts'],
    },
  ],
  coverageReporters: ['text-summary', 'json-summary'],
  // npm test reports coverage; the chaincode (the rules everyone relies on) must stay >= 90% of lines.
  coverageThreshold: { './chaincode/src/': { lines: 90 } },
};
