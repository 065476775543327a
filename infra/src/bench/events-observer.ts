#!/usr/bin/env node
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolveNetwork } from '../local/context';
import { connectAs } from '../local/gateway-client';
import { LocalNetwork } from '../local/network';

/**
 * The events benchmark's observer, in a process of its own so the load generator's signing does not
 * delay what it timestamps. It watches commits the way any raw Fabric client would (the chaincode
 * event stream of the Manufacturer peer: an event arrives when its block is committed) and receives
 * the gateway's webhooks. Prints `port <n>`, then `commit <event id> <epoch ms>` and
 * `hook <event id> <epoch ms>` (first arrival of each).
 *
 * Usage: node infra/dist/bench/events-observer.js <network dir> <base port>
 */
async function main(): Promise<void> {
  const [dir, basePort] = process.argv.slice(2);
  if (!dir || !basePort) throw new Error('usage: events-observer <dir> <base port>');
  const now = () => performance.timeOrigin + performance.now();
  const hooks = new Set<string>();
  const server = http.createServer((req, res) => {
    const at = now();
    req.resume();
    req.on('end', () => {
      const id = req.headers['waybill-event-id'];
      if (typeof id === 'string' && !hooks.has(id)) {
        hooks.add(id);
        process.stdout.write(`hook ${id} ${at}\n`);
      }
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));

  const net = new LocalNetwork(resolveNetwork({ dir, basePort: Number(basePort) }), () => undefined);
  const session = connectAs(net, 'Manufacturer', 'manufacturer-user1');
  const events = await session.network.getChaincodeEvents(net.topology.chaincode.name);
  process.stdout.write(`port ${(server.address() as AddressInfo).port}\n`);
  process.on('SIGTERM', () => {
    events.close();
    session.close();
    server.closeAllConnections();
    server.close();
  });
  try {
    for await (const e of events) process.stdout.write(`commit ${e.transactionId}:${e.eventName} ${now()}\n`);
  } catch {
    // closed on SIGTERM
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`events observer: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
