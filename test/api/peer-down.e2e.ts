import { setTimeout as sleep } from 'node:timers/promises';
import { waitForEndorsers } from '../../infra/src/lifecycle/endorsers';
import { runningPid, stopProcess } from '../../infra/src/local/processes';
import { assetBody, call, committed, expectProblem, orgApi } from '../support/api';
import { env, testNetwork, uniqueId, waybill } from '../support/fabric';

// The manufacturer's only peer stops: its gateway answers 503 and fails readiness while the other
// organisations' gateways keep serving; once the peer is back, the same gateway process serves
// again without a restart. The peer is restarted even when an assertion fails: other suites
// share this network.

const PEER = 'peer0.manufacturer';

async function ready(org: string): Promise<number> {
  return (await fetch(`${orgApi(org).url}/health/ready`)).status;
}

/** `network up` is idempotent: it starts only the nodes that are not running. */
async function restartMissingNodes(): Promise<void> {
  await waybill(['network', 'up'], { timeoutMs: 180_000 });
}

describe('partner API when a peer is down', () => {
  const net = testNetwork();
  const pidFile = net.layout.pidFile(PEER);
  let lot: string;

  beforeAll(async () => {
    lot = uniqueId('down');
    committed(
      await call('manufacturer', 'POST', '/v1/assets', { as: 'manufacturer-user1', body: assetBody(lot) }),
      201,
    );
  });

  afterAll(async () => {
    // Whatever happened above, leave the network whole for the next suite.
    if (runningPid(pidFile) === undefined) await restartMissingNodes();
  });

  it('503 LEDGER_UNAVAILABLE while the organisation’s peer is stopped, served again once it is back', async () => {
    expect(await ready('manufacturer')).toBe(200);
    expect(await stopProcess(pidFile)).toBe(true);
    try {
      const read = await call('manufacturer', 'GET', `/v1/assets/${lot}`, { as: 'manufacturer-user1' });
      const readProblem = expectProblem(read, 503, 'LEDGER_UNAVAILABLE');
      expect(readProblem.retryable).toBe(true);
      expect(read.headers.get('retry-after')).toBe('5');

      const write = await call('manufacturer', 'POST', '/v1/assets', {
        as: 'manufacturer-user1',
        body: assetBody(uniqueId('down')),
      });
      expectProblem(write, 503, 'LEDGER_UNAVAILABLE');

      // Readiness is cached for 1 s; a load balancer would stop routing here.
      await sleep(1100);
      const probe = await fetch(`${orgApi('manufacturer').url}/health/ready`);
      expect(probe.status).toBe(503);
      expect(await probe.json()).toMatchObject({
        status: 'fail',
        checks: { ledger: 'fail', database: 'pass' },
      });

      // The operator's view names the peer that does not answer (200: it reports, it does not fail).
      const network = await call('manufacturer', 'GET', '/v1/admin/network', { as: 'manufacturer-admin1' });
      expect(network.status).toBe(200);
      expect(network.body).toMatchObject({
        readiness: { status: 'fail', checks: { ledger: 'fail' } },
        height: null,
        peers: [{ name: PEER, reachable: false, height: null, problem: 'unavailable' }],
        ordering: null,
      });

      // The other organisations' gateways read through their own peers meanwhile.
      expect((await call('carrier', 'GET', `/v1/assets/${lot}`, { as: 'carrier-user1' })).status).toBe(200);
    } finally {
      await restartMissingNodes();
    }
    expect(runningPid(pidFile)).toBeDefined();
    const back = Date.now();

    // The gateway's gRPC client reconnects on its own (no gateway restart).
    const deadline = Date.now() + 60_000;
    while ((await ready('manufacturer')) !== 200 && Date.now() < deadline) await sleep(250);
    expect(await ready('manufacturer')).toBe(200);
    const after = await call('manufacturer', 'GET', `/v1/assets/${lot}`, { as: 'manufacturer-user1' });
    expect(after.status).toBe(200);
    committed(
      await call('manufacturer', 'POST', `/v1/assets/${lot}/attributes`, {
        as: 'manufacturer-user1',
        body: { set: { checked: 'after-restart' } },
      }),
    );
    if (env.profile === 'amb') {
      // The fabric-network adapter used to answer writes 503 for more than 15 s after the peer's
      // return (a new SDK Gateway asked discovery on the just-restarted peer); it keeps its
      // Gateway and reconnects the peer now, so the first write after readiness commits.
      expect(Date.now() - back).toBeLessThan(15_000);
    }
    // Writes that need a majority of organisations wait until the restarted peer's Gateway has
    // found the other organisations' peers again (gossip), as `chaincode deploy` does; then a new
    // asset commits. Until then the gateway answers 503, retryable.
    await waitForEndorsers(net, 90_000);
    const created = committed(
      await call('manufacturer', 'POST', '/v1/assets', {
        as: 'manufacturer-user1',
        body: assetBody(uniqueId('down')),
      }),
      201,
    );
    // The operator's view has the peer back, holding at least the block just committed.
    const network = await call('manufacturer', 'GET', '/v1/admin/network', { as: 'manufacturer-admin1' });
    expect(network.body).toMatchObject({
      readiness: { status: 'pass' },
      peers: [{ name: PEER, reachable: true, problem: null }],
    });
    const { peers } = network.body as { peers: { height: number }[] };
    expect(peers[0]?.height).toBeGreaterThan(created.blockNumber);
  });
});
