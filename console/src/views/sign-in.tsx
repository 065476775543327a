import { useState } from 'preact/hooks';
import { api, type ConsoleSession, ok } from '../api/client';
import { ProblemNotice } from '../ui';

/** Sign in once with an API key; the gateway answers with an HttpOnly session cookie. */
export function SignIn({
  reason,
  onSignedIn,
}: {
  reason?: unknown;
  onSignedIn: (s: ConsoleSession) => void;
}) {
  const [key, setKey] = useState('');
  const [error, setError] = useState<unknown>(reason);
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const session = ok(await api.POST('/v1/console/session', { body: { apiKey: key } }));
      setKey('');
      onSignedIn(session);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <main id="main" class="sign-in">
      <h1>Waybill console</h1>
      <form onSubmit={(e) => void submit(e)} class="card">
        <label for="api-key">API key</label>
        <input
          id="api-key"
          name="api-key"
          type="password"
          autocomplete="off"
          required
          value={key}
          onInput={(e) => setKey(e.currentTarget.value)}
        />
        <p class="hint">
          The key goes to this organisation’s gateway once; the browser keeps only a short-lived session
          cookie it cannot read.
        </p>
        <button type="submit" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
        <ProblemNotice error={error} />
      </form>
    </main>
  );
}
