// fabric-contract-api logs every decorator at "info" when the contract module loads, and
// fabric-shim logs every failed transaction at "error" (the dispatcher test fails some on purpose).
// CRITICAL maps to winston level "fatal", which no message uses: silence. Import before the
// contract (contract-harness.ts and contract-metadata.ts do it first).
process.env['CORE_CHAINCODE_LOGGING_LEVEL'] ??= 'CRITICAL';
