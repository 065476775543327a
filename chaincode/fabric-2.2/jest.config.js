// Jest 27 (the last line that runs on Node 12) over the compiled unit tests of the 2.2 build
// (scripts/test-fabric-2.2.sh). Left to the Node 24 run, which checks the same sources: the
// documentation checks, which compare generated text with committed files found relative to the
// sources (docs/chaincode.md; chaincode/test/metadata.expected.json, whose title and version
// come from the package that serves it).
/** @type {import('jest').Config} */
module.exports = {
  rootDir: __dirname,
  roots: ['<rootDir>/dist'],
  testMatch: ['**/*.spec.js'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/docs/reference-tables\\.spec\\.js$', '/dist/contracts/metadata\\.spec\\.js$'],
  testEnvironment: 'node',
  // Already compiled (tsconfig.test.json): nothing to transform.
  transform: {},
};
