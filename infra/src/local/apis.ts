import type { LocalNetwork, Say } from './network';

export interface ApiEndpoint {
  readonly org: string;
  readonly url: string;
  readonly keysFile: string;
}

/** Starts one gateway API per peer organisation (filled in once gateway-api exists). */
export function startApis(_net: LocalNetwork, _say: Say): Promise<ApiEndpoint[]> {
  return Promise.resolve([]);
}

export async function stopApis(_net: LocalNetwork): Promise<void> {}
