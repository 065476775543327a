import { holdersPolicy } from '../contracts/endorsement';
import { EndorsementPolicyFailure, InMemoryLedger, createCompositeKey, splitCompositeKey } from './in-memory-stub';
import { rejectionOf } from './fixtures';

const text = (bytes: Uint8Array): string => Buffer.from(bytes).toString('utf8');

async function committed(ledger: InMemoryLedger, writes: Record<string, string>): Promise<void> {
  const stub = ledger.newTransaction({ peerMspId: 'Org1MSP' });
  for (const [key, value] of Object.entries(writes)) {
    await stub.putState(key, Buffer.from(value));
  }
  ledger.commit(stub);
}

describe('in-memory stub (Fabric semantics the contract relies on)', () => {
  it('builds and splits composite keys like fabric-shim', () => {
    const key = createCompositeKey('owner~id', ['Org1MSP', 'A-1']);
    expect(key).toBe('\u0000owner~id\u0000Org1MSP\u0000A-1\u0000');
    expect(splitCompositeKey(key)).toEqual({ objectType: 'owner~id', attributes: ['Org1MSP', 'A-1'] });
    expect(splitCompositeKey('plain')).toEqual({ objectType: '', attributes: [] });
    expect(() => createCompositeKey('t', ['a\u0000b'])).toThrow('reserved for composite keys');
    expect(() => createCompositeKey('t', [''])).toThrow('non-zero length string');
  });

  it('does not let a transaction read its own writes; commit applies them', async () => {
    const ledger = new InMemoryLedger();
    const stub = ledger.newTransaction({ peerMspId: 'Org1MSP' });
    await stub.putState('k', Buffer.from('v1'));
    expect((await stub.getState('k')).length).toBe(0);
    ledger.commit(stub);
    expect(text(await ledger.newTransaction({ peerMspId: 'Org1MSP' }).getState('k'))).toBe('v1');
  });

  it('treats an empty value as a delete and keeps history newest first', async () => {
    const ledger = new InMemoryLedger();
    await committed(ledger, { k: 'v1' });
    await committed(ledger, { k: 'v2' });
    const del = ledger.newTransaction({ peerMspId: 'Org1MSP' });
    await del.putState('k', Buffer.alloc(0));
    ledger.commit(del);
    expect(ledger.state.has('k')).toBe(false);
    const history = [];
    for await (const mod of ledger.newTransaction({ peerMspId: 'Org1MSP' }).getHistoryForKey('k')) {
      history.push([text(mod.value), mod.isDelete, typeof mod.timestamp.seconds]);
    }
    expect(history).toEqual([['', true, 'number'], ['v2', false, 'number'], ['v1', false, 'number']]);
    expect(await rejectionOf(del.putState('', Buffer.from('x')))).toMatchObject({ message: 'key must not be empty' });
  });

  it('iterates ranges in byte order and paginates with next-key bookmarks', async () => {
    const ledger = new InMemoryLedger();
    const ids = ['b', 'a', 'é', 'c', 'Z'];
    await committed(ledger, Object.fromEntries(ids.map((id) => [createCompositeKey('x', ['p', id]), id])));
    await committed(ledger, { [createCompositeKey('y', ['p', 'a'])]: 'other type' });
    const stub = ledger.newTransaction({ peerMspId: 'Org1MSP' });
    const all: string[] = [];
    for await (const kv of stub.getStateByPartialCompositeKey('x', ['p'])) {
      all.push(text(kv.value));
    }
    expect(all).toEqual(['Z', 'a', 'b', 'c', 'é']);
    const first = await stub.getStateByPartialCompositeKeyWithPagination('x', ['p'], 2, '');
    expect(first.metadata).toEqual({ fetchedRecordsCount: 2, bookmark: createCompositeKey('x', ['p', 'b']) });
    const last = await stub.getStateByPartialCompositeKeyWithPagination('x', ['p'], 3, first.metadata.bookmark);
    const values: string[] = [];
    for await (const kv of stub.getStateByPartialCompositeKeyWithPagination('x', ['p'], 3, first.metadata.bookmark)) {
      values.push(text(kv.value));
    }
    expect(values).toEqual(['b', 'c', 'é']);
    expect(last.metadata).toEqual({ fetchedRecordsCount: 3, bookmark: '' });
    const range = await stub.getStateByRangeWithPagination('', '', 100);
    expect(range.metadata.fetchedRecordsCount).toBe(6);
    expect(stub.paginatedQueries).toBe(4);
  });

  it('keeps private values on member peers and hashes everywhere; purges', async () => {
    const ledger = new InMemoryLedger();
    const collection = '_implicit_org_Org1MSP';
    const write = ledger.newTransaction({ peerMspId: 'Org1MSP' });
    await write.putPrivateData(collection, 'k', Buffer.from('secret'));
    await write.putPrivateData(collection, 'gone', Buffer.from('x'));
    await write.deletePrivateData(collection, 'gone');
    expect(write.requiredEndorsers()).toEqual(['Org1MSP']);
    ledger.commit(write);
    const other = ledger.newTransaction({ peerMspId: 'Org2MSP' });
    expect(Buffer.from(await other.getPrivateDataHash(collection, 'k')).toString('hex')).toBe(
      '2bb80d537b1da3e38bd30361aa855686bde0eacd7162fef6a25fe97bf527a25b',
    );
    expect((await other.getPrivateDataHash(collection, 'gone')).length).toBe(0);
    expect(await rejectionOf(other.getPrivateData(collection, 'k'))).toMatchObject({ message: `peer of Org2MSP is not a member of collection ${collection}` });
    const member = ledger.newTransaction({ peerMspId: 'Org1MSP' });
    expect(text(await member.getPrivateData(collection, 'k'))).toBe('secret');
    expect(text(await member.getPrivateData('sharedCollection', 'none'))).toBe('');
    await member.purgePrivateData(collection, 'k');
    ledger.commit(member);
    expect(ledger.privateValue(collection, 'k')).toBeUndefined();
    expect(ledger.purges).toEqual([`${collection}/k`]);
  });

  it('derives required endorsers from committed key-level policies and refuses others at commit', async () => {
    const ledger = new InMemoryLedger();
    const first = ledger.newTransaction({ peerMspId: 'Org1MSP' });
    await first.putState('asset', Buffer.from('v1'));
    await first.setStateValidationParameter('asset', holdersPolicy(['Org2MSP', 'Org1MSP', 'Org1MSP']));
    expect(first.requiredEndorsers()).toEqual([]);
    ledger.commit(first);
    expect(ledger.policyOrgs('asset')).toEqual(['Org1MSP', 'Org2MSP']);
    expect(Buffer.from(await first.getStateValidationParameter('asset')).length).toBeGreaterThan(0);
    const second = ledger.newTransaction({ peerMspId: 'Org3MSP' });
    await second.deleteState('asset');
    expect(second.requiredEndorsers()).toEqual(['Org1MSP', 'Org2MSP']);
    expect(() => ledger.commit(second, ['Org3MSP', 'Org1MSP'])).toThrow(EndorsementPolicyFailure);
    expect(() => ledger.commit(second, ['Org3MSP', 'Org1MSP'])).toThrow(
      'ENDORSEMENT_POLICY_FAILURE: requires peers of Org1MSP, Org2MSP; endorsed by Org3MSP, Org1MSP',
    );
    expect(ledger.state.has('asset')).toBe(true);
    ledger.commit(second, ['Org1MSP', 'Org2MSP']);
    expect(ledger.state.has('asset')).toBe(false);
  });

  it('exposes the proposal: tx id, timestamp, transient map, function, peer MSP', () => {
    const ledger = new InMemoryLedger(Date.UTC(2030, 5, 1, 12, 0, 0, 250));
    const stub = ledger.newTransaction({ peerMspId: 'Org1MSP', transient: { a: 'x', b: Buffer.from('y') }, fcn: 'f', args: ['1', '2'] });
    expect(stub.getTxID()).toMatch(/^[0-9a-f]{64}$/);
    expect(stub.getTxTimestamp()).toMatchObject({ nanos: 250_000_000 });
    expect(stub.getTxTimestamp().seconds.toString()).toBe(String(Date.UTC(2030, 5, 1, 12, 0, 1) / 1000));
    expect(stub.getDateTimestamp().toISOString()).toBe('2030-06-01T12:00:01.250Z');
    expect(text(stub.getTransient().get('b') ?? Buffer.alloc(0))).toBe('y');
    expect(stub.getFunctionAndParameters()).toEqual({ fcn: 'f', params: ['1', '2'] });
    expect(stub.getArgs()).toEqual(['f', '1', '2']);
    expect(stub.getStringArgs()).toEqual(['f', '1', '2']);
    expect(stub.getChannelID()).toBe('supplychain');
    expect(stub.getBinding()).toBe('');
    expect(stub.getMspID()).toBe('Org1MSP');
    expect(() => ledger.newTransaction({ peerMspId: 'Org1MSP', localMspIdKnown: false }).getMspID()).toThrow('CORE_PEER_LOCALMSPID is unset');
    const bare = ledger.newTransaction({ peerMspId: null });
    expect(bare.getFunctionAndParameters()).toEqual({ fcn: '', params: [] });
  });

  it('records every event and commits only the last one, as Fabric does', () => {
    const ledger = new InMemoryLedger();
    const stub = ledger.newTransaction({ peerMspId: 'Org1MSP' });
    stub.setEvent('First', Buffer.from('{"n":1}'));
    stub.setEvent('Second', Buffer.from('{"n":2}'));
    expect(() => stub.setEvent('', Buffer.alloc(0))).toThrow('Event name must be a non-empty string');
    ledger.commit(stub);
    expect(stub.events.map((e) => e.name)).toEqual(['First', 'Second']);
    expect(ledger.events).toEqual([{ name: 'Second', payload: { n: 2 }, txId: stub.getTxID() }]);
  });

  it('rejects what LevelDB peers or this fake do not support', async () => {
    const stub = new InMemoryLedger().newTransaction({ peerMspId: 'Org1MSP' });
    expect(await rejectionOf(stub.getQueryResult())).toMatchObject({ message: 'ExecuteQuery not supported for leveldb' });
    expect(await rejectionOf(stub.getQueryResultWithPagination())).toMatchObject({ message: 'ExecuteQuery not supported for leveldb' });
    expect(await rejectionOf(stub.invokeChaincode())).toBeInstanceOf(Error);
    expect(await rejectionOf(stub.setPrivateDataValidationParameter())).toBeInstanceOf(Error);
    expect(await rejectionOf(stub.getPrivateDataValidationParameter())).toBeInstanceOf(Error);
    expect(await rejectionOf(stub.getPrivateDataByRange())).toBeInstanceOf(Error);
    expect(await rejectionOf(stub.getPrivateDataByPartialCompositeKey())).toBeInstanceOf(Error);
    expect(await rejectionOf(stub.getPrivateDataQueryResult())).toBeInstanceOf(Error);
    expect(() => stub.getCreator()).toThrow('no creator given to the in-memory stub');
    expect(() => stub.getSignedProposal()).toThrow('not supported');
  });
});
