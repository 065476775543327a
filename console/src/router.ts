import { useEffect, useState } from 'preact/hooks';

/** A console location: the hash (`#/assets/LOT-1`), so the gateway serves one index.html. */
export interface Route {
  readonly path: string[];
  readonly params: URLSearchParams;
}

function current(): Route {
  const hash = location.hash.replace(/^#\/?/, '');
  const [path = '', query = ''] = hash.split('?');
  return {
    path: path.split('/').filter(Boolean).map(decodeURIComponent),
    params: new URLSearchParams(query),
  };
}

export function useRoute(): Route {
  const [route, setRoute] = useState(current);
  useEffect(() => {
    const changed = () => setRoute(current());
    addEventListener('hashchange', changed);
    return () => removeEventListener('hashchange', changed);
  }, []);
  return route;
}

/** The href of a console page. */
export function href(path: readonly string[], params?: Record<string, string | undefined>): string {
  const query = new URLSearchParams(
    Object.entries(params ?? {}).filter((e): e is [string, string] => e[1] !== undefined && e[1] !== ''),
  ).toString();
  return `#/${path.map(encodeURIComponent).join('/')}${query ? `?${query}` : ''}`;
}

export function assetHref(id: string): string {
  return href(['assets', id]);
}
