// High availability on a network of its own started with --failover: the manufacturer has two
// peers; with its first peer killed, the manufacturer's gateway API keeps submitting and reading
// through the second, and the restarted peer catches up with the blocks it missed.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { resolveNetwork } from '../../infra/src/local/context';
import { ledgerHeight } from '../../infra/src/fabric/system-chaincodes';
import { adminIdentity, orgOf, peerEndpoint } from '../../infra/src/local/endpoints';
import { LocalNetwork } from '../../infra/src/local/network';
import { isAlive, readPid } from '../../infra/src/local/processes';
import { env, waybill } from '../support/fabric';

const dir = `${env.dir}-failover`;
/** Its own ports (25000-25120, APIs 26000-26002), clear of the shared e2e network's. */
const basePort = String(Number(env.basePort) - 2000);

const cli = (...args: string[]): Promise<string> => waybill(args, { dir, basePort });

describe('failover to the standby peer (real network, --failover)', () => {
  const net = (): LocalNetwork =>
    new LocalNetwork(resolveNetwork({ dir, basePort: Number(basePort) }), () => undefined);
  let api: { url: string; keys: Record<string, string> };

  beforeAll(async () => {
    await cli('network', 'clean');
    await cli('network', 'up', '--failover');
    await cli('stack', 'up', '--mode', 'ccaas');
    api = JSON.parse(
      readFileSync(path.join(dir, 'gateway', 'manufacturer-api-keys.json'), 'utf8'),
    ) as typeof api;
  }, 600_000);
  afterAll(async () => {
    await cli('stack', 'down');
  }, 120_000);

  const create = (id: string): Promise<Response> =>
    fetch(`${api.url}/v1/assets`, {
      method: 'POST',
      headers: { 'x-api-key': api.keys['manufacturer-user1'] ?? '', 'content-type': 'application/json' },
      body: JSON.stringify({
        id,
        product: { sku: 'SKU-FO', description: 'failover' },
        quantity: { amount: 1, unit: 'case' },
        origin: { site: 'P7', country: 'IT' },
      }),
    });

  it('keeps serving writes and reads through peer1 while peer0 is down, and peer0 catches up', async () => {
    const status = JSON.parse(await cli('network', 'status', '--json')) as {
      nodes: { name: string; healthy: boolean }[];
    };
    expect(status.nodes.filter((n) => n.name.endsWith('.manufacturer') && n.name.startsWith('peer'))).toEqual(
      [
        expect.objectContaining({ name: 'peer0.manufacturer', healthy: true }),
        expect.objectContaining({ name: 'peer1.manufacturer', healthy: true }),
      ],
    );
    expect((await create('FO-before')).status).toBe(201);

    const pidFile = net().layout.pidFile('peer0.manufacturer');
    const pid = readPid(pidFile);
    expect(pid).toBeDefined();
    process.kill(pid as number, 'SIGKILL');
    for (let i = 0; i < 50 && isAlive(pid as number); i++) await new Promise((r) => setTimeout(r, 100));
    expect(isAlive(pid as number)).toBe(false);

    const during = await create('FO-during');
    expect(during.status).toBe(201);
    const committed = (await during.json()) as { blockNumber: number };
    const read = await fetch(`${api.url}/v1/assets/FO-during`, {
      headers: { 'x-api-key': api.keys['manufacturer-user1'] ?? '' },
    });
    expect(read.status).toBe(200);
    expect(await read.json()).toMatchObject({ id: 'FO-during', owner: 'ManufacturerMSP' });
    const ready = await fetch(`${api.url}/health/ready`);
    expect(ready.status).toBe(200);

    // `network up` restarts what is not running; the peer pulls the blocks it missed.
    expect(await cli('network', 'up')).toMatch(/peer0\.manufacturer/);
    // Asked directly (qscc GetChainInfo on peer0 itself, as its admin), not through a gateway
    // that could answer from peer1.
    const n = net();
    const peer0 = n.topology.peers.find((p) => p.name === 'peer0.manufacturer');
    if (!peer0) throw new Error('no peer0.manufacturer in the topology');
    let height = 0;
    for (let i = 0; i < 100 && height <= committed.blockNumber; i++) {
      height = await ledgerHeight(adminIdentity(n, orgOf(n, peer0.org)), peerEndpoint(n, peer0), n.topology.channel).catch(() => 0);
      if (height <= committed.blockNumber) await new Promise((r) => setTimeout(r, 200));
    }
    expect(height).toBeGreaterThan(committed.blockNumber);
  });
});
