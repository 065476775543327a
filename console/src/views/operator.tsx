import { useEffect, useState } from 'preact/hooks';
import { api, ok, type Schemas } from '../api/client';
import { Loading, ProblemNotice, time } from '../ui';

/** Admin view: the read model's position and this organisation's API keys. */
export function Operator() {
  const [readModel, setReadModel] = useState<Schemas['ReadModelStatusWithLeaderView'] | undefined>();
  const [keys, setKeys] = useState<Schemas['ApiKeyResponse'][] | undefined>();
  const [error, setError] = useState<unknown>();
  const load = async () => {
    try {
      const [rm, k] = await Promise.all([
        api.GET('/v1/read-model').then(ok),
        api.GET('/v1/admin/api-keys').then(ok),
      ]);
      setReadModel(rm);
      setKeys(k.items);
    } catch (err) {
      setError(err);
    }
  };
  useEffect(() => void load(), []);
  const revoke = async (keyId: string) => {
    try {
      ok(await api.POST('/v1/admin/api-keys/{keyId}/revoke', { params: { path: { keyId } } }));
      await load();
    } catch (err) {
      setError(err);
    }
  };
  return (
    <>
      <h1>Operator</h1>
      <ProblemNotice error={error} />
      <section class="card" aria-labelledby="rm">
        <h2 id="rm">Event reader and read model</h2>
        {readModel ? (
          <pre class="json">{JSON.stringify(readModel, null, 2)}</pre>
        ) : (
          <Loading what="the read model" />
        )}
      </section>
      <section class="card" aria-labelledby="keys">
        <h2 id="keys">API keys</h2>
        {keys ? (
          <div class="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Identity</th>
                  <th scope="col">Role</th>
                  <th scope="col">Created</th>
                  <th scope="col">Revoked</th>
                  <th scope="col">
                    <span class="sr-only">Action</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {keys.map((k) => (
                  <tr key={k.keyId}>
                    <th scope="row">{k.name}</th>
                    <td>{k.identityId}</td>
                    <td>{k.role}</td>
                    <td>{time(k.createdAt)}</td>
                    <td>{k.revokedAt ? time(k.revokedAt) : '—'}</td>
                    <td>
                      {k.revokedAt ? null : (
                        <button type="button" class="secondary" onClick={() => void revoke(k.keyId)}>
                          Revoke
                        </button>
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
