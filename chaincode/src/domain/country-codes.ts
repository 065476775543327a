import { COUNTRY_CODES } from '../constants';

/** Officially assigned ISO 3166-1 alpha-2 country codes. */
export const ISO_3166_ALPHA2: ReadonlySet<string> = new Set(COUNTRY_CODES);
