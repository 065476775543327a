// Preloaded (node --require) into a chaincode-as-a-service process: the server accepts a TLS
// client only when its certificate was issued to a peer (Fabric CA puts the registered identity
// type in the subject OU: peer, client, admin, orderer). The client CA bundle already limits
// clients to the organisation's own TLS root; this keeps the organisation's users' TLS
// certificates out too. fabric-shim's ChaincodeServer has no hook for it, so its `connect`
// handler is wrapped before any server is constructed (addService binds it at construction).
'use strict';
const path = require('node:path');

const serverModule = require.resolve('fabric-shim/lib/server.js', { paths: [process.cwd(), path.join(__dirname, '..', '..', '..')] });
const ChaincodeServer = require(serverModule);
const connect = ChaincodeServer.prototype.connect;

/** True when the stream's TLS client certificate names OU=peer. */
function fromPeer(stream) {
  const context = typeof stream.getAuthContext === 'function' ? stream.getAuthContext() : undefined;
  const ou = context && context.sslPeerCertificate && context.sslPeerCertificate.subject ? context.sslPeerCertificate.subject.OU : undefined;
  const units = Array.isArray(ou) ? ou : ou === undefined ? [] : [ou];
  return units.includes('peer');
}

ChaincodeServer.prototype.connect = function connectPeerOnly(stream) {
  if (!fromPeer(stream)) {
    process.stderr.write('chaincode server: refused a TLS client whose certificate is not a peer\'s (OU=peer)\n');
    stream.destroy(new Error('only peers may connect to this chaincode server'));
    return;
  }
  connect.call(this, stream);
};
