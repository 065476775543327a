import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parse, stringify } from 'yaml';
import {
  account,
  accountingLines,
  formatClasses,
  type Tally,
  Traffic,
  TRAFFIC_ORGS,
  type TrafficApis,
  type TrafficOrg,
  WebhookSubscribers,
} from '../../infra/src/bench/traffic';
import { resolveNetwork } from '../../infra/src/local/context';
import type { CutTarget, NetworkCut } from '../../infra/src/local/cut';
import { LocalNetwork } from '../../infra/src/local/network';
import { raftLeader } from '../../infra/src/local/raft-leader';
import type { OrdererNode } from '../../infra/src/topology/topology';
import { assetBody, type Committed } from '../support/api';
import { createHostNetwork, destroyHostNetwork, eventually, inHost, newNetnsCut, type HostNetwork, type NetnsHost } from '../support/netns';
import { env, uniqueId } from '../support/fabric';

/**
 * A network spread over seven hosts, each a Linux network namespace on one bridge: every
 * organisation on its own host, the three orderers on three hosts (orderer0 with the ordering
 * organisation's CA and admin; orderer1 and orderer2 alone, their keys made there and their
 * certificates signed from CSRs). Each host is brought up with `waybill network up --host` in its
 * namespace from its own directory; the hosts exchange public bundles only.
 *
 * Then faults under traffic (issue 17): the traffic generator of `npm run soak` writes through the
 * three partner APIs on their hosts from the root namespace (over the bridge) while hosts are cut
 * off the bridge through the network-namespace NetworkCut: a follower orderer's host, the Raft
 * leader's host, the retailer's host (its peer, chaincode server, CA and gateway API). After the
 * heals the ledger, the webhook subscribers (listening on the bridge's root address) and the read
 * models are held to what the clients were told.
 */

// Hosts and their subnet derive from the run's base port, so two runs on one machine never share them.
const octet = Math.floor(Number(env.basePort) / 1000) % 250;
const PREFIX = `wb${octet}`;
const NAMES = ['ord', 'ord1', 'ord2', 'man', 'car', 'ret', 'aut'] as const;
type HostName = (typeof NAMES)[number];
const ORG_HOST: Record<string, HostName> = { Orderer: 'ord', Manufacturer: 'man', Carrier: 'car', Retailer: 'ret', Authority: 'aut' };
const root = `${env.dir}-multihost`;
const topologyFile = path.join(root, 'topology.yaml');
const hostDir = (h: string): string => path.join(root, 'hosts', h);
const bundles = path.join(root, 'bundles');

let hostNet: HostNetwork | undefined;
const host = (name: HostName): NetnsHost => {
  const h = hostNet?.hosts.find((x) => x.name === name);
  if (!h) throw new Error(`no host ${name}`);
  return h;
};

/** `waybill … --host H --dir <H's dir> --topology …` inside H's namespace. */
function waybillOn(name: HostName, args: readonly string[], timeoutMs = 600_000, extra: NodeJS.ProcessEnv = {}): Promise<string> {
  const { WAYBILL_NETWORK_DIR: _dir, WAYBILL_BASE_PORT: _port, ...rest } = process.env;
  return inHost(
    host(name),
    process.execPath,
    [env.cli, ...args, '--host', name, '--dir', hostDir(name), '--topology', topologyFile],
    { ...rest, WAYBILL_HOST_WAIT_S: '300', ...extra },
    timeoutMs,
  );
}

/** The network as one host's directory sees it. */
function hostNetwork(name: HostName): LocalNetwork {
  return new LocalNetwork(resolveNetwork({ dir: hostDir(name) }), () => undefined);
}

interface KeysFile {
  url: string;
  keys: Record<string, string>;
}
function api(org: string): KeysFile {
  const name = ORG_HOST[org] as HostName;
  return JSON.parse(readFileSync(path.join(hostDir(name), 'gateway', `${org.toLowerCase()}-api-keys.json`), 'utf8')) as KeysFile;
}
async function callApi<T>(org: string, as: string, method: string, urlPath: string, body?: unknown, timeoutMs = 60_000, idem?: string): Promise<{ status: number; body: T }> {
  const a = api(org);
  const res = await fetch(`${a.url}${urlPath}`, {
    method,
    headers: {
      'x-api-key': a.keys[as] ?? '',
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(idem === undefined ? {} : { 'idempotency-key': idem }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
}

/** Every private key file under a directory (MSP keystores, TLS keys), by content. */
function privateKeys(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string): void => {
    for (const e of readdirSync(d)) {
      const p = path.join(d, e);
      if (statSync(p).isDirectory()) walk(p);
      else if (/\.key$|key\.pem$/.test(e) || d.endsWith(`${path.sep}keystore`)) out.set(readFileSync(p, 'utf8'), p);
    }
  };
  if (existsSync(dir)) walk(dir);
  return out;
}

/** The Raft leader among `among` (default all), asked from the root namespace over the bridge. */
function leader(net: LocalNetwork, among?: readonly OrdererNode[], ms = 30_000): Promise<OrdererNode> {
  return eventually(
    async () => {
      const l = await raftLeader(net, among);
      if (!l) throw new Error('no single leader');
      return l;
    },
    ms,
    'one Raft leader',
  );
}

/** Accepted writes per API at one moment. */
type Counts = Readonly<Record<TrafficOrg, number>>;
const counts = (t: Tally): Counts => ({ ...t.acceptedBy });

/** Waits until `org`'s API has accepted `n` more writes than in `since`. */
async function progress(tally: Tally, since: Counts, org: TrafficOrg, n: number, ms = 60_000): Promise<void> {
  await eventually(
    () => (tally.acceptedBy[org] - since[org] >= n ? Promise.resolve() : Promise.reject(new Error(`${tally.acceptedBy[org] - since[org]} of ${n}`))),
    ms,
    `${n} writes accepted on the ${org} API`,
  );
}

/** The block height an organisation's gateway reports for its own peer (its admin view); 0 if it cannot say. */
async function peerHeight(org: string): Promise<number> {
  const r = await callApi<{ peers?: { height: number | null }[] }>(org, `${org.toLowerCase()}-admin1`, 'GET', '/v1/admin/network', undefined, 30_000).catch(() => undefined);
  return r?.status === 200 ? (r.body.peers?.[0]?.height ?? 0) : 0;
}

/**
 * A write as the traffic makes it: retried under its Idempotency-Key while the answer is 5xx or
 * retryable; sent again under a new key while the organisation's peer refuses on what it holds
 * (403/404/409: the block of another organisation's write has not reached it yet; nothing written).
 * Resolves with the 2xx status.
 */
async function write(org: string, as: string, urlPath: string, body: unknown): Promise<number> {
  let key = uniqueId('mhprep');
  return eventually(
    async () => {
      const r = await callApi<{ retryable?: boolean }>(org, as, 'POST', urlPath, body, 90_000, key).catch((err: Error) => ({ status: 0, body: { retryable: true, err: err.message } }));
      if (r.status >= 200 && r.status < 300) return r.status;
      if ([403, 404, 409].includes(r.status) && r.body.retryable !== true) key = uniqueId('mhprep');
      throw new Error(`${org} ${urlPath}: ${r.status} ${JSON.stringify(r.body)}`);
    },
    120_000,
    `${org} ${urlPath}`,
  );
}

/**
 * One HTTP request to `org`'s API from inside a host's namespace (a client beside the API on its
 * host); the API key travels in the environment, not on the command line.
 */
async function callFrom<T>(on: HostName, org: string, as: string, method: string, urlPath: string, body?: unknown, idem?: string): Promise<{ status: number; retryAfter: string | null; body: T; ms: number }> {
  const a = api(org);
  const script = `
    const [url, method, body, idem] = process.argv.slice(1);
    const headers = { 'x-api-key': process.env.PROBE_KEY };
    if (body) headers['content-type'] = 'application/json';
    if (idem) headers['idempotency-key'] = idem;
    const t0 = Date.now();
    fetch(url, { method, headers, body: body || undefined, signal: AbortSignal.timeout(90000) }).then(async (r) => {
      const text = await r.text();
      console.log(JSON.stringify({ status: r.status, retryAfter: r.headers.get('retry-after'), body: text ? JSON.parse(text) : undefined, ms: Date.now() - t0 }));
    }, (err) => console.log(JSON.stringify({ status: 0, retryAfter: null, body: String(err.cause?.code ?? err.message), ms: Date.now() - t0 })));`;
  const out = await inHost(host(on), process.execPath, ['-e', script, `${a.url}${urlPath}`, method, body === undefined ? '' : JSON.stringify(body), idem ?? ''], { ...process.env, PROBE_KEY: a.keys[as] ?? '' }, 120_000);
  return JSON.parse(out.trim().split('\n').pop() ?? '{}') as { status: number; retryAfter: string | null; body: T; ms: number };
}

describe('a network over several hosts (network namespaces on one bridge)', () => {
  beforeAll(async () => {
    hostNet = createHostNetwork(PREFIX, octet, NAMES);
    rmSync(root, { recursive: true, force: true });
    mkdirSync(root, { recursive: true });
    // The repository's topology, placed on the hosts.
    const spec = parse(readFileSync(path.join(env.root, 'network', 'topology.yaml'), 'utf8')) as {
      basePort: number;
      hosts?: unknown;
      organizations: { name: string; host?: string; orderers?: unknown; failoverPeers?: unknown }[];
    };
    spec.basePort = Number(env.basePort);
    spec.hosts = hostNet.hosts.map((h) => ({ name: h.name, address: h.address }));
    for (const org of spec.organizations) {
      org.host = ORG_HOST[org.name];
      delete org.failoverPeers;
      if (org.orderers) org.orderers = ['orderer0', { name: 'orderer1', host: 'ord1' }, { name: 'orderer2', host: 'ord2' }];
    }
    writeFileSync(topologyFile, stringify(spec));

    // 1. Each host its own CAs, keys and identities.
    await Promise.all(NAMES.map((h) => waybillOn(h, ['host', 'init'])));
    // 2. Public bundles, exchanged twice: orderer1/2's CSRs reach the ordering CA, their certificates come back.
    for (let round = 0; round < 2; round++) {
      for (const from of NAMES) {
        await waybillOn(from, ['host', 'export', '--out', bundles]);
        for (const h of NAMES) if (h !== from) await waybillOn(h, ['host', 'import', '--from', path.join(bundles, from)]);
      }
    }
    // 3. Every host up at once: the ordering organisation's host creates the channel once the other
    //    orderers answer; the peers' hosts fetch block 0 from the orderers and join.
    await Promise.all(NAMES.map((h) => waybillOn(h, ['network', 'up'])));
    // 4. Each organisation installs and approves on its own host; the last one commits.
    for (const h of ['man', 'car', 'ret', 'aut'] as const) await waybillOn(h, ['chaincode', 'deploy', '--mode', 'ccaas']);
    // Plain HTTP on the test's private bridge; real hosts serve HTTPS (docs/operations.md).
    // The fault tests' webhook receiver listens on the bridge's root address, which the gateways allow.
    const webhooks = { WAYBILL_ALLOW_INSECURE_HTTP: 'true', WAYBILL_WEBHOOK_ALLOWED_NETWORKS: `${hostNet.gateway}/32` };
    await Promise.all((['man', 'car', 'ret', 'aut'] as const).map((h) => waybillOn(h, ['host', 'apis'], 600_000, webhooks)));
  }, 1_500_000);

  afterAll(async () => {
    // Whatever failed above: heal, and give the traffic a bounded time to wind down.
    await cuts?.healAll();
    await Promise.race([traffic?.stop(), sleep(60_000, undefined, { ref: false })]);
    await Promise.race([subscribers?.close(), sleep(30_000, undefined, { ref: false })]);
    for (const h of NAMES) {
      if (!existsSync(hostDir(h))) continue;
      await waybillOn(h, ['network', 'down']).catch(() => undefined);
    }
    destroyHostNetwork(PREFIX);
  }, 300_000);

  it('keeps every private key in its own host directory: no key file is in two hosts', () => {
    const seen = new Map<string, string>();
    let count = 0;
    for (const h of NAMES) {
      for (const [content, file] of privateKeys(hostDir(h))) {
        count++;
        const other = seen.get(content);
        if (other) throw new Error(`${file} is also ${other}`);
        seen.set(content, file);
      }
    }
    expect(count).toBeGreaterThan(20);
    // Bundles hold public files only.
    expect(privateKeys(bundles).size).toBe(0);
    // orderer1's key was made on its host; its certificate came from the ordering CA on another.
    expect(existsSync(path.join(hostDir('ord1'), 'nodes', 'orderer1', 'msp', 'keystore', 'key.pem'))).toBe(true);
    expect(existsSync(path.join(hostDir('ord'), 'nodes', 'orderer1'))).toBe(false);
    expect(existsSync(path.join(hostDir('man'), 'ca'))).toBe(true);
    expect(readdirSync(path.join(hostDir('man'), 'ca'))).toEqual(['manufacturer']);
  });

  it('refuses an unknown host and a host without material, each with one line', async () => {
    await expect(
      inHost(host('man'), process.execPath, [env.cli, 'network', 'status', '--host', 'nowhere', '--dir', hostDir('man'), '--topology', topologyFile], process.env),
    ).rejects.toThrow(/unknown host nowhere/);
    const empty = path.join(root, 'empty');
    await expect(
      inHost(host('ret'), process.execPath, [env.cli, 'network', 'up', '--host', 'ret', '--dir', empty, '--topology', topologyFile], process.env),
    ).rejects.toThrow(/holds no material of host ret: run `waybill host init --host ret`/);
  });

  it('creates on one host, hands over and accepts on another, reads on a third', async () => {
    const id = uniqueId('mh');
    const created = await callApi<Committed<{ owner: string }>>('Manufacturer', 'manufacturer-user1', 'POST', '/v1/assets', assetBody(id));
    expect(created.status).toBe(201);
    expect(created.body.result.owner).toBe('ManufacturerMSP');
    const proposed = await callApi('Manufacturer', 'manufacturer-user1', 'POST', `/v1/assets/${id}/handover`, { toOrg: 'CarrierMSP' });
    expect(proposed.status).toBe(200);
    const accepted = await callApi<Committed<{ custodian: string }>>('Carrier', 'carrier-user1', 'POST', `/v1/assets/${id}/handover/accept`, {});
    expect(accepted.status).toBe(200);
    expect(accepted.body.result.custodian).toBe('CarrierMSP');
    const read = await eventually(
      async () => {
        const r = await callApi<{ custodian: string; updatedTxId: string }>('Retailer', 'retailer-user1', 'GET', `/v1/assets/${id}`);
        if (r.status !== 200 || r.body.updatedTxId !== accepted.body.txId) throw new Error(`retailer reads ${r.status} ${JSON.stringify(r.body)}`);
        return r.body;
      },
      30_000,
      "the retailer's host reads the handover",
    );
    expect(read.custodian).toBe('CarrierMSP');
  });

  // Faults under traffic: the generator runs from here to the accounting.
  let cuts: NetworkCut | undefined;
  let traffic: Traffic | undefined;
  let subscribers: WebhookSubscribers | undefined;
  // The clock of the fault tests' log lines starts with the traffic.
  let started = Date.now();
  const log = (line: string): void => {
    process.stdout.write(`[multihost +${((Date.now() - started) / 1000).toFixed(0)}s] ${line}\n`);
  };
  const tally = (): Tally => (traffic as Traffic).tally;

  it('carries traffic through the three partner APIs on their hosts, with webhook subscribers on the bridge', async () => {
    const ord = hostNetwork('ord');
    cuts = newNetnsCut(hostNet as HostNetwork, ord.topology);
    const apis: TrafficApis = { manufacturer: api('Manufacturer'), carrier: api('Carrier'), retailer: api('Retailer') };
    subscribers = await WebhookSubscribers.start(apis, (hostNet as HostNetwork).gateway);
    traffic = new Traffic({ apis, concurrency: 8, tag: uniqueId('mhtraffic'), retryForMs: 300_000 });
    started = Date.now();
    void traffic.start();
    for (const org of TRAFFIC_ORGS) await progress(tally(), { manufacturer: 0, carrier: 0, retailer: 0 }, org, 2, 120_000);
    log(`traffic flows: ${JSON.stringify(counts(tally()))}`);
  }, 180_000);

  it('keeps committing while a follower orderer host is cut off, and that orderer catches up once healed', async () => {
    const ord = hostNetwork('ord');
    // Cut a follower: Raft then keeps its leader and commits with two of three.
    const lead = await leader(ord);
    const target = ord.topology.orderers.find((o) => o.name !== lead.name && o.host.name !== lead.host.name) as OrdererNode;
    const cut: CutTarget = { kind: 'node', name: target.name };
    const before = (await ord.ordererChannelInfo(target))?.height ?? 0;
    await (cuts as NetworkCut).cut(cut);
    try {
      // A peer whose Gateway broadcasts to the cut orderer notices by keep-alive within seconds;
      // meanwhile writes may answer 503/504 and are retried under their Idempotency-Key.
      const since = counts(tally());
      await progress(tally(), since, 'manufacturer', 10, 120_000);
      await progress(tally(), since, 'carrier', 2, 120_000);
      await expect(ord.ordererChannelInfo(target)).rejects.toThrow();
      log(`${target.name}'s host ${target.host.name} cut (leader ${lead.name}): ${JSON.stringify(counts(tally()))}`);
    } finally {
      await (cuts as NetworkCut).heal(cut);
    }
    const leaderHeight = async (): Promise<number> => (await ord.ordererChannelInfo(lead))?.height ?? 0;
    const expected = await leaderHeight();
    expect(expected).toBeGreaterThanOrEqual(before + 5);
    await eventually(
      async () => {
        const h = (await ord.ordererChannelInfo(target))?.height ?? 0;
        if (h < expected) throw new Error(`${target.name} at ${h} of ${expected}`);
      },
      60_000,
      `${target.name} catches up`,
    );
  }, 300_000);

  it("elects a new Raft leader when the leader's host is cut off, and new writes commit", async () => {
    const ord = hostNetwork('ord');
    const old = await leader(ord);
    const others = ord.topology.orderers.filter((o) => o.host.name !== old.host.name);
    const cut: CutTarget = { kind: 'node', name: old.name };
    await (cuts as NetworkCut).cut(cut);
    try {
      const elected = await leader(ord, others, 60_000);
      expect(elected.name).not.toBe(old.name);
      // Writes the cut leader held are settled under their keys later; new ones commit meanwhile.
      const t0 = Date.now();
      for (let i = 0; i < 3; i++) expect(await (traffic as Traffic).createOne()).toBe(true);
      log(`leader ${old.name} (host ${old.host.name}) cut, ${elected.name} elected; 3 new creates committed in ${Date.now() - t0} ms`);
      expect(Date.now() - t0).toBeLessThan(90_000);
    } finally {
      await (cuts as NetworkCut).heal(cut);
    }
    // Back on the bridge, the old leader follows: one leader among all three again.
    await leader(ord, undefined, 60_000);
  }, 300_000);

  it("lets the others transact while the retailer's host is cut off; its API refuses writes 503 and recovers on its own", async () => {
    // A lot waiting for the retailer's acceptance, to be accepted from the retailer's own host during the cut.
    const lot = uniqueId('mhcut');
    expect(await write('Manufacturer', 'manufacturer-user1', '/v1/assets', assetBody(lot))).toBe(201);
    expect(await write('Manufacturer', 'manufacturer-user1', `/v1/assets/${lot}/handover`, { toOrg: 'CarrierMSP' })).toBe(200);
    expect(await write('Carrier', 'carrier-user1', `/v1/assets/${lot}/handover/accept`, {})).toBe(200);
    expect(await write('Carrier', 'carrier-user1', `/v1/assets/${lot}/handover`, { toOrg: 'RetailerMSP' })).toBe(200);
    // The retailer's peer has the proposal before the cut.
    await eventually(
      async () => {
        const r = await callApi<{ pendingHandover?: unknown }>('Retailer', 'retailer-user1', 'GET', `/v1/assets/${lot}`);
        if (r.status !== 200 || !r.body.pendingHandover) throw new Error(`${r.status} ${JSON.stringify(r.body)}`);
      },
      30_000,
      "the retailer's peer holds the proposal",
    );
    const target: CutTarget = { kind: 'org', org: 'retailer' };
    const idem = uniqueId('mhcut-accept');
    let heightAtHeal: number;
    let during: Counts;
    await (cuts as NetworkCut).cut(target);
    try {
      const before = counts(tally());
      // Manufacturer, carrier and authority are three of four: a majority endorses without it.
      await progress(tally(), before, 'manufacturer', 10, 120_000);
      await progress(tally(), before, 'carrier', 2, 120_000);
      // A client beside the retailer's API on its host: reads are served from its own peer, a
      // write (which needs the other organisations' endorsements) is refused, retryable.
      const ready = await callFrom<{ status: string; checks: unknown }>('ret', 'Retailer', 'retailer-user1', 'GET', '/health/ready');
      log(`retailer cut: readiness from its host ${ready.status} ${JSON.stringify(ready.body)} in ${ready.ms} ms`);
      const read = await callFrom<{ custodian?: string }>('ret', 'Retailer', 'retailer-user1', 'GET', `/v1/assets/${lot}`);
      log(`retailer cut: read from its host ${read.status} custodian ${read.body.custodian} in ${read.ms} ms`);
      const write = await callFrom<{ code?: string; retryable?: boolean; detail?: string }>('ret', 'Retailer', 'retailer-user1', 'POST', `/v1/assets/${lot}/handover/accept`, {}, idem);
      log(`retailer cut: accept from its host ${write.status} ${JSON.stringify(write.body)} retry-after ${write.retryAfter} in ${write.ms} ms`);
      const fromRoot = await callApi('Retailer', 'retailer-user1', 'GET', '/health/ready', undefined, 5000).then(
        (r) => String(r.status),
        (err: Error) => String((err.cause as NodeJS.ErrnoException | undefined)?.code ?? err.name),
      );
      log(`retailer cut: its API from the bridge: ${fromRoot}`);
      // Ready: its database, its own peer and chaincode answer, and it serves reads from them. A
      // load balancer that took it out would refuse those reads too, and no other gateway of the
      // organisation could do better from the same cut-off host.
      expect([ready.status, ready.body.status]).toEqual([200, 'pass']);
      expect([read.status, read.body.custodian]).toEqual([200, 'CarrierMSP']);
      // Refused, retryable: the other organisations' endorsers cannot be reached (at once once the
      // peer's Gateway knows; while its connections to them still hang, at the endorse deadline).
      expect([write.status, write.body.code, write.body.retryable]).toEqual([503, 'LEDGER_UNAVAILABLE', true]);
      expect(write.body.detail).toMatch(/endorsing peers (could not be reached|did not answer in time)/);
      expect(write.retryAfter).toBeTruthy();
      expect(fromRoot).not.toBe('200');
      during = counts(tally());
      log(`retailer cut: ${JSON.stringify(during)}; retailer API errors so far: ${formatClasses(tally().attemptErrorsBy.retailer)}`);
      heightAtHeal = await peerHeight('Manufacturer');
    } finally {
      await (cuts as NetworkCut).heal(target);
    }
    // Nothing was written by the refused accept: the lot still waits at the carrier.
    const after = await callApi<{ custodian: string }>('Manufacturer', 'manufacturer-user1', 'GET', `/v1/assets/${lot}`);
    expect([after.status, after.body.custodian]).toEqual([200, 'CarrierMSP']);
    // The same gateway serves again on its own, and its peer catches up.
    await eventually(
      async () => {
        const r = await callApi('Retailer', 'retailer-user1', 'GET', '/health/ready', undefined, 5000);
        if (r.status !== 200) throw new Error(`ready ${r.status}`);
      },
      120_000,
      'the retailer API ready again from the bridge',
    );
    await progress(tally(), during, 'retailer', 2, 180_000);
    await eventually(
      async () => {
        const h = await peerHeight('Retailer');
        if (h <= heightAtHeal) throw new Error(`retailer's peer at ${h}, ${heightAtHeal} at the heal`);
      },
      60_000,
      "the retailer's peer catches up",
    );
    // The client's retry of the refused accept, under the same key, now commits.
    const retried = await callApi<Committed<{ custodian: string }>>('Retailer', 'retailer-user1', 'POST', `/v1/assets/${lot}/handover/accept`, {}, 90_000, idem);
    expect([retried.status, retried.body.result.custodian]).toEqual([200, 'RetailerMSP']);
  }, 480_000);

  it('after healing: every accepted write on the ledger exactly once, every event to every subscriber, read models reconciled', async () => {
    const t = traffic as Traffic;
    await t.stop();
    const ta = t.tally;
    log(`traffic stopped: ${ta.acceptedWrites} writes accepted (${JSON.stringify(ta.acceptedBy)}) for ${t.operations} operations`);
    log(`errors per attempt, retried: ${formatClasses(ta.attemptErrors)}`);
    log(`writes given up: ${formatClasses(ta.finalErrors)}`);
    const apis: TrafficApis = { manufacturer: api('Manufacturer'), carrier: api('Carrier'), retailer: api('Retailer') };
    const a = await account(ta, apis, subscribers as WebhookSubscribers, { eventWaitMs: 120_000, log });
    for (const line of accountingLines(a)) log(line);
    expect(formatClasses(ta.finalErrors)).toBe('none');
    expect(a.acceptedWrites).toBeGreaterThan(50);
    expect(a.notOnLedger).toEqual([]);
    expect(a.unexplained).toEqual([]);
    expect(a.wrongState).toEqual([]);
    expect(a.ledgerTransactions).toBe(a.acceptedWrites);
    expect(a.eventsMissing).toEqual({ manufacturer: 0, carrier: 0, retailer: 0 });
    expect(a.readModelDifferences).toEqual({ manufacturer: 0, carrier: 0, retailer: 0 });
    log(`faults under traffic took ${((Date.now() - started) / 1000).toFixed(0)} s`);
  }, 360_000);
});
