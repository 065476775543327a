import { useCallback, useEffect, useState } from 'preact/hooks';
import { api, type ConsoleSession, ok, onSessionEnded, ProblemError } from './api/client';
import { onLiveStatus, startLive, stopLive } from './live';
import { href, useRoute } from './router';
import { AssetPage } from './views/asset-page';
import { Inbox } from './views/inbox';
import { Operator } from './views/operator';
import { Search } from './views/search';
import { SignIn } from './views/sign-in';
import { Loading, ProblemNotice } from './ui';

type SessionState =
  | { readonly kind: 'checking' }
  | { readonly kind: 'signed-out'; readonly reason?: unknown }
  | { readonly kind: 'signed-in'; readonly session: ConsoleSession };

export function App() {
  const [state, setState] = useState<SessionState>({ kind: 'checking' });

  useEffect(() => {
    api
      .GET('/v1/console/session')
      .then(ok)
      .then(
        (session) => setState({ kind: 'signed-in', session }),
        (err: unknown) =>
          setState({
            kind: 'signed-out',
            reason: err instanceof ProblemError && err.problem.code === 'SESSION_EXPIRED' ? err : undefined,
          }),
      );
    return onSessionEnded(() =>
      setState({
        kind: 'signed-out',
        reason: new ProblemError({
          title: 'Your session has ended',
          detail: 'It expired or its API key was revoked: sign in again.',
          code: 'SESSION_EXPIRED',
        }),
      }),
    );
  }, []);

  useEffect(() => {
    if (state.kind === 'signed-in') startLive();
    else stopLive();
  }, [state.kind]);

  const signOut = useCallback(async () => {
    await api.DELETE('/v1/console/session');
    setState({ kind: 'signed-out' });
  }, []);

  if (state.kind === 'checking') return <Loading what="the console" />;
  if (state.kind === 'signed-out')
    return (
      <SignIn reason={state.reason} onSignedIn={(session) => setState({ kind: 'signed-in', session })} />
    );
  return <Shell session={state.session} onSignOut={() => void signOut()} />;
}

function Shell({ session, onSignOut }: { session: ConsoleSession; onSignOut: () => void }) {
  const route = useRoute();
  const [live, setLive] = useState(false);
  useEffect(() => onLiveStatus(setLive), []);
  const [page = 'inbox', ...rest] = route.path;
  const nav = [
    ['inbox', 'Inbox'],
    ['search', 'Search'],
    ...(session.role === 'admin' ? [['operator', 'Operator']] : []),
  ] as const;
  return (
    <>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="top">
        <div class="brand">
          Waybill <span class="org">{session.organization}</span>
        </div>
        <nav aria-label="Console">
          <ul>
            {nav.map(([id, label]) => (
              <li key={id}>
                <a href={href([id])} aria-current={page === id ? 'page' : undefined}>
                  {label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <div class="who">
          <span class={live ? 'live on' : 'live'} role="status" aria-live="polite">
            {live ? 'Live' : 'Offline'}
          </span>
          <span data-testid="identity">
            {session.identityId} ({session.role})
          </span>
          <button type="button" class="secondary" onClick={onSignOut}>
            Sign out
          </button>
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        <Page page={page} rest={rest} params={route.params} session={session} />
      </main>
    </>
  );
}

function Page(props: { page: string; rest: string[]; params: URLSearchParams; session: ConsoleSession }) {
  switch (props.page) {
    case 'inbox':
      return <Inbox session={props.session} />;
    case 'search':
      return <Search params={props.params} />;
    case 'assets':
      return props.rest[0] ? (
        <AssetPage id={props.rest[0]} session={props.session} />
      ) : (
        <Search params={props.params} />
      );
    case 'operator':
      return <Operator />;
    default:
      return <ProblemNotice error={new ProblemError({ title: 'No such page', detail: props.page })} />;
  }
}
