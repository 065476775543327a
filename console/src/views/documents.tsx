import { useState } from 'preact/hooks';
import { api, type Asset, ok, ProblemError, type Schemas } from '../api/client';
import { ProblemNotice, time, TxId, org } from '../ui';

/** Hex SHA-256 of a file, computed in the browser: the file never leaves it. */
export async function sha256Hex(file: Blob): Promise<string> {
  if (!crypto.subtle)
    throw new ProblemError({
      title: 'Cannot hash here',
      detail: 'the browser allows Web Crypto on https:// or localhost only',
    });
  const digest = await crypto.subtle.digest('SHA-256', await file.arrayBuffer());
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/** The asset's documents, and a check of a local file against the commitment on the ledger. */
export function Documents({ asset }: { asset: Asset }) {
  const [name, setName] = useState(asset.documents[0]?.name ?? '');
  const [result, setResult] = useState<
    (Schemas['DocumentVerification'] & { computed: string }) | undefined
  >();
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  if (asset.documents.length === 0) return <p class="muted">No documents recorded.</p>;

  const verify = async (e: Event) => {
    e.preventDefault();
    const input = (e.currentTarget as HTMLFormElement).elements.namedItem('file') as HTMLInputElement;
    const file = input.files?.[0];
    setResult(undefined);
    setError(undefined);
    if (!file) {
      setError(new ProblemError({ title: 'Choose a file', detail: 'pick the document to check first' }));
      return;
    }
    setBusy(true);
    try {
      const computed = await sha256Hex(file);
      // Only the hash goes to the gateway, which reads the commitment from the ledger.
      const answer = ok(
        await api.GET('/v1/assets/{assetId}/documents/verify', {
          params: { path: { assetId: asset.id }, query: { name, sha256: computed } },
        }),
      );
      setResult({ ...answer, computed });
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      <div class="table-wrap" tabIndex={0} role="region" aria-label="Recorded documents">
        <table>
          <caption class="sr-only">Documents</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">SHA-256 on the ledger</th>
              <th scope="col">Added by</th>
              <th scope="col">When</th>
              <th scope="col">Transaction</th>
            </tr>
          </thead>
          <tbody>
            {asset.documents.map((d) => (
              <tr key={d.name}>
                <th scope="row">{d.name}</th>
                <td>
                  <code class="hash">{d.sha256}</code>
                </td>
                <td>{org(d.addedByOrg)}</td>
                <td>{time(d.addedAt)}</td>
                <td>
                  <TxId id={d.txId} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <form class="verify" onSubmit={(e) => void verify(e)}>
        <div class="field">
          <label for="doc-name">Document</label>
          <select id="doc-name" value={name} onChange={(e) => setName(e.currentTarget.value)}>
            {asset.documents.map((d) => (
              <option key={d.name} value={d.name}>
                {d.name}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="doc-file">File to check (hashed here, not uploaded)</label>
          <input id="doc-file" name="file" type="file" />
        </div>
        <button type="submit" disabled={busy}>
          {busy ? 'Checking…' : 'Verify'}
        </button>
      </form>
      <ProblemNotice error={error} />
      {result ? (
        <p class={result.matches ? 'verdict good' : 'verdict bad'} role="status" data-testid="verdict">
          {result.matches
            ? `Matches: ${result.name} is the document ${org(result.addedByOrg)} recorded on ${time(result.addedAt)}.`
            : `Does not match: ${result.name} on the ledger has SHA-256 ${result.recordedSha256}; this file has ${result.computed}.`}
        </p>
      ) : null}
    </>
  );
}
