/**
 * `@waybill/fabric-signer`: signs Fabric messages with Node's native ECDSA. The gateway (every
 * proposal and commit-status request) and the CLI (admin transactions, Fabric CA requests) sign
 * with the same code; it depends on nothing but Node.
 */
export { lowSDer, newNativeSigner, type MessageSigner } from './native-signer';
