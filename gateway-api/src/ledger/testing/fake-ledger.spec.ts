import { FakeLedger } from './fake-ledger';

const text = (b: Uint8Array) => new TextDecoder().decode(b);

describe('FakeLedger', () => {
  it('streams chaincode events of committed transactions and resumes after a checkpoint', async () => {
    const ledger = new FakeLedger();
    ledger.handle('createAsset', (c) => {
      c.emit('AssetCreated', { assetId: c.args[0] });
      return { id: c.args[0] };
    });
    const first = await ledger.submit({ identity: 'u', transaction: 'createAsset', args: ['A'] });
    await ledger.submit({ identity: 'u', transaction: 'createAsset', args: ['B'] });

    const replay = await ledger.chaincodeEvents('u', { blockNumber: 0n });
    const seen: string[] = [];
    for await (const e of replay) {
      seen.push(`${e.blockNumber}:${e.name}:${text(e.payload)}`);
      if (seen.length === 2) break;
    }
    replay.close();
    expect(seen).toEqual(['0:AssetCreated:{"assetId":"A"}', '1:AssetCreated:{"assetId":"B"}']);

    const resumed = await ledger.chaincodeEvents('u', { blockNumber: 0n, afterTxId: first.txId });
    const next = resumed[Symbol.asyncIterator]();
    await expect(next.next()).resolves.toMatchObject({ value: { blockNumber: 1n, name: 'AssetCreated' } });
    const pending = next.next();
    await ledger.submit({ identity: 'u', transaction: 'createAsset', args: ['C'] });
    await expect(pending).resolves.toMatchObject({
      value: { blockNumber: 2n, payload: new TextEncoder().encode('{"assetId":"C"}') },
    });
    resumed.close();
  });

  it('records invalid commits as blocks without events', async () => {
    const ledger = new FakeLedger();
    ledger.conflictNext('acceptHandover');
    await ledger.submit({ identity: 'u', transaction: 'acceptHandover', args: ['A'] }).catch(() => undefined);
    const blocks = await ledger.blocks('u', 0n);
    const it = blocks[Symbol.asyncIterator]();
    await expect(it.next()).resolves.toMatchObject({
      value: { number: 0n, transactions: [{ validationCode: 'MVCC_READ_CONFLICT', chaincodeEvents: [] }] },
    });
    blocks.close();
    await expect(it.next()).resolves.toMatchObject({ done: true });
  });
});
