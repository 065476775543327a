#!/usr/bin/env node
// Produces the golden files of infra/src/lifecycle/golden/ with Fabric's own `peer` binary: the
// package and package ID of a small Node chaincode, and the `_lifecycle` proposals the `peer` CLI
// sends for install, queryinstalled, approveformyorg, checkcommitreadiness, commit and
// querycommitted. A fake Endorser (plain gRPC on loopback) records each SignedProposal and refuses
// it, so no network is needed. Run once by hand, commit its output:
//   FABRIC_BIN=… FABRIC_CFG_SAMPLE=…/fabric@…/sampleconfig node infra/scripts/make-lifecycle-golden.js
'use strict';
const grpc = require('@grpc/grpc-js');
const { peer, common } = require('@hyperledger/fabric-protos');
const { execFile } = require('node:child_process');
const { promisify } = require('node:util');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const peerGrpc = require('@hyperledger/fabric-protos/lib/peer/peer_grpc_pb');
const abGrpc = require('@hyperledger/fabric-protos/lib/orderer/ab_grpc_pb');

const out = path.join(__dirname, '..', 'src', 'lifecycle', 'golden');
const bin = process.env.FABRIC_BIN;
const sample = process.env.FABRIC_CFG_SAMPLE;
if (!bin || !sample) throw new Error('set FABRIC_BIN and FABRIC_CFG_SAMPLE (Fabric sampleconfig directory)');

async function main() {
  let last;
  const server = new grpc.Server();
  server.addService(peerGrpc.EndorserService, {
    processProposal(call, cb) {
      last = call.request;
      const r = new peer.ProposalResponse();
      const resp = new peer.Response();
      resp.setStatus(500);
      resp.setMessage('recorded by the golden-file maker');
      r.setResponse(resp);
      cb(null, r);
    },
  });
  server.addService(abGrpc.AtomicBroadcastService, {
    broadcast(call) { call.end(); },
    deliver(call) { call.end(); },
  });
  const port = await new Promise((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))),
  );
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'waybill-golden-'));
  const env = {
    ...process.env,
    FABRIC_CFG_PATH: sample,
    FABRIC_LOGGING_SPEC: 'error',
    CORE_PEER_ADDRESS: `127.0.0.1:${port}`,
    CORE_PEER_LOCALMSPID: 'SampleOrg',
    CORE_PEER_MSPCONFIGPATH: path.join(sample, 'msp'),
    CORE_PEER_TLS_ENABLED: 'false',
  };
  // Asynchronous, so that the fake endorser in this process can answer meanwhile.
  const peerCli = async (args) => {
    try {
      return (await promisify(execFile)(path.join(bin, 'peer'), args, { env, cwd: work, encoding: 'utf8' })).stdout;
    } catch (err) {
      return String(err.stderr);
    }
  };
  // The recorded proposal: header fields that do not change per call, and the whole payload.
  const record = async (name, args) => {
    last = undefined;
    const said = await peerCli(args);
    if (!last) throw new Error(`${name}: the peer CLI sent no proposal: ${said}`);
    const proposal = peer.Proposal.deserializeBinary(last.getProposalBytes_asU8());
    const header = common.Header.deserializeBinary(proposal.getHeader_asU8());
    const ch = common.ChannelHeader.deserializeBinary(header.getChannelHeader_asU8());
    fs.writeFileSync(path.join(out, `${name}.payload.bin`), Buffer.from(proposal.getPayload_asU8()));
    return {
      type: ch.getType(),
      version: ch.getVersion(),
      channelId: ch.getChannelId(),
      epoch: ch.getEpoch(),
      extension: Buffer.from(ch.getExtension_asU8()).toString('base64'),
    };
  };

  fs.mkdirSync(out, { recursive: true });
  const src = path.join(work, 'src');
  fs.mkdirSync(src);
  fs.writeFileSync(path.join(src, 'package.json'), '{"name":"golden","version":"1.0.0","scripts":{"start":"fabric-chaincode-node start"}}\n');
  fs.writeFileSync(path.join(src, 'index.js'), 'module.exports = {};\n');
  const pkg = path.join(out, 'golden_1.tar.gz');
  await peerCli(['lifecycle', 'chaincode', 'package', pkg, '--path', src, '--lang', 'node', '--label', 'golden_1']);
  const packageId = (await peerCli(['lifecycle', 'chaincode', 'calculatepackageid', pkg])).trim();

  const policy = "OR('Org1MSP.peer', AND('Org2MSP.peer', 'Org3MSP.admin'), OutOf(2, 'Org1MSP.member', 'Org2MSP.client', 'Org3MSP.orderer'))";
  const def = ['--channelID', 'supplychain', '--name', 'waybill', '--version', 'v1', '--sequence', '3', '--signature-policy', policy];
  const ordererFlags = ['-o', `127.0.0.1:${port}`];
  const headers = {
    install: await record('install', ['lifecycle', 'chaincode', 'install', pkg]),
    queryinstalled: await record('queryinstalled', ['lifecycle', 'chaincode', 'queryinstalled']),
    approve: await record('approve', ['lifecycle', 'chaincode', 'approveformyorg', ...def, ...ordererFlags, '--package-id', packageId]),
    approveUnavailable: await record('approve-unavailable', ['lifecycle', 'chaincode', 'approveformyorg', ...def, ...ordererFlags]),
    checkcommitreadiness: await record('checkcommitreadiness', ['lifecycle', 'chaincode', 'checkcommitreadiness', ...def]),
    commit: await record('commit', ['lifecycle', 'chaincode', 'commit', ...def, ...ordererFlags, '--peerAddresses', `127.0.0.1:${port}`]),
    querycommitted: await record('querycommitted', ['lifecycle', 'chaincode', 'querycommitted', '--channelID', 'supplychain', '--name', 'waybill']),
    queryapproved: await record('queryapproved', ['lifecycle', 'chaincode', 'queryapproved', '--channelID', 'supplychain', '--name', 'waybill', '--sequence', '3']),
  };
  const version = (await peerCli(['version'])).match(/Version: (\S+)/)?.[1];
  fs.writeFileSync(
    path.join(out, 'golden.json'),
    `${JSON.stringify({ madeBy: `peer ${version}`, package: 'golden_1.tar.gz', packageId, policy, headers }, null, 2)}\n`,
  );
  fs.rmSync(work, { recursive: true, force: true });
  server.forceShutdown();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
