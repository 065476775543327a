import { useCallback, useEffect, useState } from 'preact/hooks';
import { api, ok, type Schemas } from '../api/client';
import { Loading, ProblemNotice, time } from '../ui';

interface Backlog {
  readonly webhook: Schemas['WebhookView'];
  /** Pending and dead deliveries, counted up to one page (100+ shown as "100+"). */
  readonly pending: string;
  readonly dead: string;
}

const PAGE = 100;
const count = (list: { items: unknown[]; nextCursor: string | null }) =>
  `${list.items.length}${list.nextCursor ? '+' : ''}`;

/**
 * Admin view: readiness (ledger and database), the organisation's peers each with its own height,
 * the orderers the channel configuration names, the event reader's and read model's position,
 * webhook and sink backlogs and the organisation's API keys (create with an expiry, rotate, revoke).
 */
export function Operator() {
  const [network, setNetwork] = useState<Schemas['NetworkStatusView'] | undefined>();
  const [readModel, setReadModel] = useState<Schemas['ReadModelStatusWithLeaderView'] | undefined>();
  const [backlogs, setBacklogs] = useState<Backlog[] | undefined>();
  const [sinks, setSinks] = useState<Schemas['SinkView'][] | undefined>();
  const [keys, setKeys] = useState<Schemas['ApiKeyResponse'][] | undefined>();
  const [created, setCreated] = useState<string | undefined>();
  const [error, setError] = useState<unknown>();

  const load = useCallback(async () => {
    try {
      const [net, rm, k, hooks, sinkList] = await Promise.all([
        // 200 with readiness inside, also when a check fails or a peer is down.
        api.GET('/v1/admin/network').then(ok),
        api.GET('/v1/read-model').then(ok),
        api.GET('/v1/admin/api-keys').then(ok),
        api.GET('/v1/webhooks').then(ok),
        api.GET('/v1/sinks').then(ok),
      ]);
      setNetwork(net);
      setReadModel(rm);
      setKeys(k.items);
      setSinks(sinkList.items);
      setBacklogs(
        await Promise.all(
          hooks.items.map(async (webhook) => {
            const of = (state: 'pending' | 'dead') =>
              api
                .GET('/v1/webhooks/{webhookId}/deliveries', {
                  params: { path: { webhookId: webhook.id }, query: { state, limit: PAGE } },
                })
                .then(ok);
            const [pending, dead] = await Promise.all([of('pending'), of('dead')]);
            return { webhook, pending: count(pending), dead: count(dead) };
          }),
        ),
      );
      setError(undefined);
    } catch (err) {
      setError(err);
    }
  }, []);
  useEffect(() => void load(), [load]);

  const revoke = async (keyId: string) => {
    try {
      ok(await api.POST('/v1/admin/api-keys/{keyId}/revoke', { params: { path: { keyId } } }));
      await load();
    } catch (err) {
      setError(err);
    }
  };
  /** A new key for the same identity; the old one keeps working for a day (the API's default grace). */
  const rotate = async (keyId: string) => {
    try {
      const answer = ok(
        await api.POST('/v1/admin/api-keys/{keyId}/rotate', { params: { path: { keyId } }, body: {} }),
      );
      setCreated(answer.key ?? undefined);
      await load();
    } catch (err) {
      setError(err);
    }
  };
  const create = async (e: Event) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget as HTMLFormElement);
    const text = (name: string) => {
      const v = form.get(name);
      return typeof v === 'string' ? v.trim() : '';
    };
    try {
      const answer = ok(
        await api.POST('/v1/admin/api-keys', {
          body: {
            name: text('key-name'),
            identityId: text('key-identity'),
            // The end of the chosen day, local time.
            ...(text('key-expires')
              ? { expiresAt: new Date(`${text('key-expires')}T23:59:59.999`).toISOString() }
              : {}),
          },
        }),
      );
      setCreated(answer.key ?? undefined);
      await load();
    } catch (err) {
      setError(err);
    }
  };
  const identities = [...new Set((keys ?? []).map((k) => k.identityId))].sort();

  return (
    <>
      <h1>Operator</h1>
      <ProblemNotice error={error} />
      <section class="card" aria-labelledby="health">
        <h2 id="health">Gateway and ledger</h2>
        {network && readModel ? (
          <dl class="facts">
            <dt>Readiness</dt>
            <dd data-testid="readiness">
              {network.readiness.status} (ledger {network.readiness.checks.ledger}, database{' '}
              {network.readiness.checks.database})
            </dd>
            <dt>Channel</dt>
            <dd>
              {network.channel} (chaincode {network.chaincode}, {network.adapter} adapter)
            </dd>
            <dt>Channel height</dt>
            <dd data-testid="channel-height">{network.height ?? readModel.ledgerHeight ?? 'unknown'}</dd>
            <dt>Event reader at block</dt>
            <dd>{readModel.eventsBlock ?? '—'}</dd>
            <dt>Read model at block</dt>
            <dd>{readModel.projectedBlock ?? '—'}</dd>
            <dt>Read-model lag</dt>
            <dd>{readModel.lagBlocks === null ? 'unknown' : `${readModel.lagBlocks} blocks`}</dd>
            <dt>Event leader</dt>
            <dd>{readModel.leader ? 'this process' : 'another process'}</dd>
          </dl>
        ) : (
          <Loading what="the gateway's state" />
        )}
      </section>
      <section class="card" aria-labelledby="peers">
        <h2 id="peers">Peers of {network?.organization ?? 'the organisation'}</h2>
        {network === undefined ? (
          <Loading what="the peers" />
        ) : (
          <div class="table-wrap" tabIndex={0} role="region" aria-label="Peers">
            <table>
              <thead>
                <tr>
                  <th scope="col">Peer</th>
                  <th scope="col">Endpoint</th>
                  <th scope="col">Reachable</th>
                  <th scope="col">Block height</th>
                </tr>
              </thead>
              <tbody>
                {network.peers.map((p) => (
                  <tr key={p.name} data-peer={p.name}>
                    <th scope="row">{p.name}</th>
                    <td>{p.endpoint}</td>
                    <td>{p.reachable ? 'yes' : `no (${p.problem ?? 'no answer'})`}</td>
                    <td>{p.height ?? '—'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
      <section class="card" aria-labelledby="orderers">
        <h2 id="orderers">Ordering service</h2>
        {network === undefined ? (
          <Loading what="the ordering service" />
        ) : network.ordering === null ? (
          <p class="muted">No peer could read the channel configuration.</p>
        ) : (
          <>
            <p class="muted" data-testid="consensus">
              Consensus {network.ordering.consensusType ?? 'unknown'}
              {network.ordering.consenters.length > 0
                ? `, ${network.ordering.consenters.length} consenters`
                : ''}
              . The orderers as the channel configuration names them: the gateway does not contact them
              itself, so whether they are up shows in the peers’ ability to commit.
            </p>
            <div class="table-wrap" tabIndex={0} role="region" aria-label="Orderers">
              <table>
                <thead>
                  <tr>
                    <th scope="col">Endpoint</th>
                    <th scope="col">Organisation</th>
                  </tr>
                </thead>
                <tbody>
                  {network.ordering.orderers.map((o) => (
                    <tr key={o.endpoint} data-orderer={o.endpoint}>
                      <th scope="row">{o.endpoint}</th>
                      <td>{o.mspId ?? '—'}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </>
        )}
      </section>
      <section class="card" aria-labelledby="webhooks">
        <h2 id="webhooks">Webhook backlogs</h2>
        {backlogs === undefined ? (
          <Loading what="the webhooks" />
        ) : backlogs.length === 0 ? (
          <p class="muted">No webhook subscriptions.</p>
        ) : (
          <div class="table-wrap" tabIndex={0} role="region" aria-label="Webhook backlogs">
            <table>
              <thead>
                <tr>
                  <th scope="col">URL</th>
                  <th scope="col">Pending</th>
                  <th scope="col">Dead letters</th>
                </tr>
              </thead>
              <tbody>
                {backlogs.map((b) => (
                  <tr key={b.webhook.id}>
                    <th scope="row">{b.webhook.url}</th>
                    <td>{b.pending}</td>
                    <td>{b.dead}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
      <section class="card" aria-labelledby="sinks">
        <h2 id="sinks">Event sinks</h2>
        {sinks === undefined ? (
          <Loading what="the sinks" />
        ) : sinks.length === 0 ? (
          <p class="muted">No event sinks configured.</p>
        ) : (
          <div class="table-wrap" tabIndex={0} role="region" aria-label="Event sink backlogs">
            <table>
              <thead>
                <tr>
                  <th scope="col">Sink</th>
                  <th scope="col">State</th>
                  <th scope="col">Backlog</th>
                  <th scope="col">Lag</th>
                  <th scope="col">Dead letters</th>
                  <th scope="col">Last error</th>
                </tr>
              </thead>
              <tbody>
                {sinks.map((s) => (
                  <tr key={s.name} data-sink={s.name}>
                    <th scope="row">
                      {s.name} ({s.kind})
                    </th>
                    <td>{s.running ? s.state : 'run by the event leader'}</td>
                    <td>{s.backlog}</td>
                    <td>{s.lagSeconds} s</td>
                    <td>{s.deadLetters}</td>
                    <td>{s.lastError ?? '—'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
      <section class="card" aria-labelledby="keys">
        <h2 id="keys">API keys</h2>
        <form class="verify" onSubmit={(e) => void create(e)}>
          <div class="field">
            <label for="key-name">Name</label>
            <input id="key-name" name="key-name" required maxLength={64} />
          </div>
          <div class="field">
            <label for="key-identity">Identity</label>
            <input id="key-identity" name="key-identity" required list="identities" />
            <datalist id="identities">
              {identities.map((i) => (
                <option key={i} value={i} />
              ))}
            </datalist>
          </div>
          <div class="field">
            <label for="key-expires">Expires (optional)</label>
            <input id="key-expires" name="key-expires" type="date" />
          </div>
          <button type="submit">Create key</button>
        </form>
        {created ? (
          <p class="verdict good" role="status">
            New key (shown once, copy it now): <code class="hash">{created}</code>
          </p>
        ) : null}
        {keys ? (
          <div class="table-wrap" tabIndex={0} role="region" aria-label="API keys">
            <table>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Identity</th>
                  <th scope="col">Role</th>
                  <th scope="col">Created</th>
                  <th scope="col">Expires</th>
                  <th scope="col">Revoked</th>
                  <th scope="col">
                    <span class="sr-only">Action</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {keys.map((k) => (
                  <tr key={k.keyId} data-key-id={k.keyId}>
                    <th scope="row">{k.name}</th>
                    <td>{k.identityId}</td>
                    <td>{k.role}</td>
                    <td>{time(k.createdAt)}</td>
                    <td>{k.expiresAt ? time(k.expiresAt) : 'never'}</td>
                    <td>{k.revokedAt ? time(k.revokedAt) : '—'}</td>
                    <td>
                      {k.revokedAt ? null : (
                        <>
                          <button type="button" class="secondary" onClick={() => void rotate(k.keyId)}>
                            Rotate
                          </button>{' '}
                          <button type="button" class="secondary" onClick={() => void revoke(k.keyId)}>
                            Revoke
                          </button>
                        </>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : (
          <Loading what="the keys" />
        )}
      </section>
    </>
  );
}
