import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';

/** Longest cursor accepted: anything longer is not one of ours. */
export const MAX_CURSOR_LENGTH = 2048;

/**
 * Page cursors that clients pass back: `base64url(json).base64url(HMAC-SHA256)`. Only cursors this
 * gateway issued (under the same key) are accepted, so a forged or edited cursor is refused as a
 * whole before anything in it is used. The key is derived from the KEK (HKDF, its own label), so
 * every process of the organisation accepts the others' cursors.
 */
export class CursorCodec {
  readonly #key: Buffer;

  constructor(secret: Buffer) {
    this.#key = Buffer.from(hkdfSync('sha256', secret, Buffer.alloc(0), 'waybill page cursor v1', 32));
  }

  encode(value: unknown): string {
    const body = Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
    return `${body}.${this.#mac(body).toString('base64url')}`;
  }

  /** The value inside a cursor this codec issued; undefined for anything else. */
  decode(cursor: string): unknown {
    if (cursor.length > MAX_CURSOR_LENGTH) return undefined;
    const m = /^([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]{43})$/.exec(cursor);
    if (!m?.[1] || !m[2]) return undefined;
    const given = Buffer.from(m[2], 'base64url');
    const expected = this.#mac(m[1]);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
    try {
      return JSON.parse(Buffer.from(m[1], 'base64url').toString('utf8')) as unknown;
    } catch {
      return undefined;
    }
  }

  #mac(body: string): Buffer {
    return createHmac('sha256', this.#key).update(body, 'utf8').digest();
  }
}
