import https from 'node:https';
import { CliError } from '../common/errors';

/** An orderer's admin endpoint with the orderer admin's TLS client key pair (mutual TLS). */
export interface OrdererAdmin {
  readonly name: string;
  /** `https://host:port` of the orderer's admin (channel participation) API. */
  readonly url: string;
  readonly tlsRootCert: Uint8Array;
  readonly clientCert: Uint8Array;
  readonly clientKey: Uint8Array;
}

/** What the channel participation API says of one channel. */
export interface ChannelInfo {
  readonly name: string;
  readonly url: string;
  readonly consensusRelation: string;
  readonly status: string;
  readonly height: number;
}

function request(admin: OrdererAdmin, method: string, urlPath: string, body?: { type: string; bytes: Buffer }): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      `${admin.url}${urlPath}`,
      {
        method,
        ca: Buffer.from(admin.tlsRootCert),
        cert: Buffer.from(admin.clientCert),
        key: Buffer.from(admin.clientKey),
        timeout: 30_000,
        headers: body ? { 'content-type': body.type, 'content-length': body.bytes.length } : {},
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (err) => reject(new CliError(`${admin.name} admin API (${admin.url}): ${err.message}`)));
    req.end(body?.bytes);
  });
}

function problem(admin: OrdererAdmin, what: string, r: { status: number; body: string }): CliError {
  let reason = r.body.trim();
  try {
    reason = (JSON.parse(r.body) as { error?: string }).error ?? reason;
  } catch {
    /* not JSON: keep the text */
  }
  return new CliError(`${admin.name}: ${what} refused (HTTP ${r.status}): ${reason.slice(0, 300)}`);
}

/** The channel as this orderer sees it, or undefined when it is not a member. */
export async function channelInfo(admin: OrdererAdmin, channel: string): Promise<ChannelInfo | undefined> {
  const r = await request(admin, 'GET', `/participation/v1/channels/${encodeURIComponent(channel)}`);
  if (r.status === 404) return undefined;
  if (r.status !== 200) throw problem(admin, `channel ${channel} query`, r);
  return JSON.parse(r.body) as ChannelInfo;
}

/**
 * Joins an orderer to a channel with its config block (the genesis block for a new channel), as
 * `osnadmin channel join` does: a multipart form with the block in the field `config-block`.
 * @throws CliError with the orderer's reason when it refuses (HTTP 4xx/5xx).
 */
export async function joinOrderer(admin: OrdererAdmin, block: Uint8Array): Promise<ChannelInfo> {
  const form = new FormData();
  form.append('config-block', new Blob([Buffer.from(block)]), 'config.block');
  // The platform's own multipart encoder: Response serialises a FormData with its boundary.
  const encoded = new Response(form);
  const bytes = Buffer.from(await encoded.arrayBuffer());
  const r = await request(admin, 'POST', '/participation/v1/channels', {
    type: encoded.headers.get('content-type') ?? 'multipart/form-data',
    bytes,
  });
  if (r.status !== 201) throw problem(admin, 'channel join', r);
  return JSON.parse(r.body) as ChannelInfo;
}

/** Removes the orderer from a channel. */
export async function removeOrderer(admin: OrdererAdmin, channel: string): Promise<void> {
  const r = await request(admin, 'DELETE', `/participation/v1/channels/${encodeURIComponent(channel)}`);
  if (r.status !== 204 && r.status !== 404) throw problem(admin, `channel ${channel} removal`, r);
}
