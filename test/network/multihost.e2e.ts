import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { resolveNetwork } from '../../infra/src/local/context';
import { LocalNetwork } from '../../infra/src/local/network';
import { httpsGet } from '../../infra/src/local/processes';
import { assetBody, type Committed } from '../support/api';
import { createHostNetwork, cutHost, destroyHostNetwork, eventually, healHost, inHost, type HostNetwork, type NetnsHost } from '../support/netns';
import { env, uniqueId } from '../support/fabric';

/**
 * A network spread over seven hosts, each a Linux network namespace on one bridge: every
 * organisation on its own host, the three orderers on three hosts (orderer0 with the ordering
 * organisation's CA and admin; orderer1 and orderer2 alone, their keys made there and their
 * certificates signed from CSRs). Each host is brought up with `waybill network up --host` in its
 * namespace from its own directory; the hosts exchange public bundles only.
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
async function callApi<T>(org: string, as: string, method: string, urlPath: string, body?: unknown, timeoutMs = 60_000): Promise<{ status: number; body: T }> {
  const a = api(org);
  const res = await fetch(`${a.url}${urlPath}`, {
    method,
    headers: { 'x-api-key': a.keys[as] ?? '', ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
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

async function isLeader(net: LocalNetwork, name: string): Promise<boolean> {
  const o = net.topology.orderers.find((x) => x.name === name);
  if (!o) throw new Error(`no orderer ${name}`);
  const r = await httpsGet(`https://${o.host.endpoint}:${o.operationsPort}/metrics`, readFileSync(net.layout.orgTlsCa(net.topology.ordererOrg)), 5000);
  return /consensus_etcdraft_is_leader\{[^}]*\} 1\b/.test(r.body);
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
    await Promise.all((['man', 'car', 'ret', 'aut'] as const).map((h) => waybillOn(h, ['host', 'apis'], 600_000, { WAYBILL_ALLOW_INSECURE_HTTP: 'true' })));
  }, 1_500_000);

  afterAll(async () => {
    for (const h of NAMES) {
      if (!existsSync(hostDir(h))) continue;
      await waybillOn(h, ['network', 'down']).catch(() => undefined);
    }
    destroyHostNetwork(PREFIX);
  }, 120_000);

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

  it('keeps committing while a follower orderer host is cut off, and that orderer catches up once healed', async () => {
    const ord = hostNetwork('ord');
    // Cut a follower: Raft then keeps its leader and commits with two of three.
    const follower = (await isLeader(ord, 'orderer2')) ? 'orderer1' : 'orderer2';
    const cut = host(follower === 'orderer1' ? 'ord1' : 'ord2');
    const target = ord.topology.orderers.find((o) => o.name === follower);
    if (!target) throw new Error('no orderer');
    const before = (await ord.ordererChannelInfo(target))?.height ?? 0;
    cutHost(cut);
    try {
      for (let i = 0; i < 5; i++) {
        // A peer whose Gateway broadcasts to the cut orderer notices by keep-alive within seconds;
        // meanwhile the API may answer 504 (outcome unknown): the client retries the same asset,
        // which then exists once (201 from a retry, or 409 because the first attempt committed).
        const id = uniqueId('cut');
        const statuses: number[] = [];
        await eventually(
          async () => {
            const r = await callApi('Manufacturer', 'manufacturer-user1', 'POST', '/v1/assets', assetBody(id), 60_000);
            statuses.push(r.status);
            if (r.status !== 201 && r.status !== 409) throw new Error(`create ${id}: ${r.status} ${JSON.stringify(r.body)}`);
          },
          120_000,
          `a write while ${follower}'s host is cut`,
        );
        expect(statuses.every((st) => [201, 409, 503, 504].includes(st))).toBe(true);
        const read = await callApi<{ id: string; owner: string }>('Manufacturer', 'manufacturer-user1', 'GET', `/v1/assets/${id}`);
        expect([read.status, read.body.owner]).toEqual([200, 'ManufacturerMSP']);
      }
      await expect(ord.ordererChannelInfo(target)).rejects.toThrow();
    } finally {
      healHost(cut);
    }
    const leaderHeight = async (): Promise<number> => (await ord.ordererChannelInfo(ord.topology.orderers[0] ?? target))?.height ?? 0;
    const expected = await leaderHeight();
    expect(expected).toBeGreaterThanOrEqual(before + 5);
    await eventually(
      async () => {
        const h = (await ord.ordererChannelInfo(target))?.height ?? 0;
        if (h < expected) throw new Error(`${follower} at ${h} of ${expected}`);
      },
      60_000,
      `${follower} catches up`,
    );
  }, 300_000);
});
