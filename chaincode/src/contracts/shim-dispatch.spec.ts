import { newShimChaincode } from '../testing/contract-metadata';
import { ROLE_ATTRIBUTE } from '../constants';
import type { Asset, AssetPage } from '../domain/asset';
import { MSP, assetInput } from '../testing/fixtures';
import { InMemoryLedger, type InMemoryStub } from '../testing/in-memory-stub';
import { seedGovernance } from '../testing/seed';
import { testCertificate } from '../testing/test-certificate';

/*
 * Drives the contract through fabric-shim's real dispatcher (ChaincodeFromContract.Invoke), as a
 * peer does: function name routing, string arguments marshalled to the declared parameter types,
 * fabric-shim's ClientIdentity parsing an X.509 certificate with the Fabric CA attribute extension,
 * errors turned into the response message, answers serialised to JSON.
 */
describe('through fabric-shim’s dispatcher', () => {
  const chaincode = newShimChaincode();
  const ledger = new InMemoryLedger();
  seedGovernance(ledger);
  const identities = {
    manufacturer: { mspid: MSP.MANUFACTURER, idBytes: Buffer.from(testCertificate('plant-operator', { [ROLE_ATTRIBUTE]: 'manufacturer' })) },
    auditor: { mspid: MSP.AUTHORITY, idBytes: Buffer.from(testCertificate('auditor-1', { [ROLE_ATTRIBUTE]: 'auditor', 'hf.EnrollmentID': 'auditor-1' })) },
  };

  async function invoke(who: keyof typeof identities, fcn: string, args: string[], commit = true): Promise<{ status: number; message?: string; json?: unknown; stub: InMemoryStub }> {
    const stub = ledger.newTransaction({ peerMspId: identities[who].mspid, creator: identities[who], fcn, args });
    const response = await chaincode.Invoke(stub);
    if (response.status === 200 && commit) {
      ledger.commit(stub);
    }
    const text = response.payload === undefined ? '' : Buffer.from(response.payload).toString('utf8');
    // What the peer receives: the 2.5 shim returns the error's message, the 2.2 shim (the build of
    // chaincode/fabric-2.2) the error itself, which its handler sends as `'' + error` (so a
    // shim error reads "Error: …" there; the contract's own keep "CODE: …", WaybillError.toString).
    const message = response.message as string | Error | undefined;
    return { status: response.status, ...(message === undefined ? {} : { message: String(message) }), ...(text === '' ? {} : { json: JSON.parse(text) as unknown }), stub };
  }

  it('creates an asset with the caller’s MSP and role read from its certificate', async () => {
    const created = await invoke('manufacturer', 'createAsset', [JSON.stringify(assetInput('LOT-1'))]);
    expect(created.status).toBe(200);
    expect(created.json).toMatchObject({ id: 'LOT-1', owner: MSP.MANUFACTURER });
    expect(created.stub.events.map((e) => e.name)).toEqual(['AssetCreated']);
    const viaContractName = await invoke('auditor', 'waybill:getAsset', ['LOT-1'], false);
    expect((viaContractName.json as Asset).id).toBe('LOT-1');
  });

  it('marshals numeric parameters and returns pages', async () => {
    const page = await invoke('auditor', 'listAssetsByOwner', [MSP.MANUFACTURER, '10', ''], false);
    expect(page.status).toBe(200);
    expect((page.json as AssetPage).records.map((r) => r.id)).toEqual(['LOT-1']);
    expect((await invoke('auditor', 'assetExists', ['LOT-1'], false)).json).toBe(true);
  });

  it('relays coded errors as the response message', async () => {
    const forbidden = await invoke('auditor', 'putOnHold', ['LOT-1', 'x']);
    expect(forbidden).toMatchObject({ status: 500, message: "FORBIDDEN: role 'auditor' may not putOnHold; requires role manufacturer or carrier or retailer or regulator" });
    expect(await invoke('auditor', 'getAsset', ['NOPE'], false)).toMatchObject({ status: 500, message: "ASSET_NOT_FOUND: asset 'NOPE' does not exist" });
    expect(await invoke('auditor', 'dropTables', [], false)).toMatchObject({ status: 500, message: "INVALID_ARGUMENT: unknown transaction 'dropTables'" });
  });

  it('leaves argument count and numeric format to the shim, whose messages carry no code', async () => {
    expect(await invoke('auditor', 'getAsset', [], false)).toMatchObject({ status: 500, message: expect.stringMatching(/^(Error: )?Expected 1 parameters, but 0 have been supplied$/) as string });
    expect(await invoke('auditor', 'getLineage', ['LOT-1', 'two'], false)).toMatchObject({ status: 500, message: expect.stringMatching(/^(Error: )?fromBuffer could not convert data to number$/) as string });
  });

  it('serves GetMetadata', async () => {
    const metadata = await invoke('auditor', 'org.hyperledger.fabric:GetMetadata', [], false);
    // The title is the package's name: @waybill/chaincode, or the 2.2 build's (chaincode/fabric-2.2).
    expect(metadata.json).toMatchObject({ info: { title: expect.stringMatching(/^(@waybill\/chaincode|waybill-chaincode-fabric-2\.2)$/) as string } });
  });
});
