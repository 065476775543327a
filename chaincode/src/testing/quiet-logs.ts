// fabric-contract-api logs every decorator at "info" when the contract module loads; unit tests
// only want errors. Must be imported before the contract (contract-harness.ts does it first).
process.env['CORE_CHAINCODE_LOGGING_LEVEL'] ??= 'ERROR';
