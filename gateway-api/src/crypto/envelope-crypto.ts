import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';

/** Length of every key here: AES-256 key-encryption keys and data keys. */
export const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const FORMAT = 'v1';

/** A sealed value could not be opened: wrong key, wrong context, or tampered bytes. */
export class SealError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SealError';
  }
}

/**
 * Encrypts with AES-256-GCM under `key`; `context` is authenticated (not stored), so a value moved
 * to another row or subject no longer opens. Output: `v1.<iv>.<ciphertext>.<tag>` (base64url).
 */
export function seal(key: Uint8Array, plaintext: Uint8Array, context: string): string {
  if (key.length !== KEY_BYTES) throw new SealError(`an AES-256 key has ${KEY_BYTES} bytes`);
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(Buffer.from(context, 'utf8'));
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return [FORMAT, iv, body, cipher.getAuthTag()]
    .map((p) => (typeof p === 'string' ? p : p.toString('base64url')))
    .join('.');
}

/**
 * Opens what {@link seal} produced.
 * @throws {@link SealError} when the format is unknown, or the key or context is not the sealing
 *   one, or the bytes were changed (GCM authentication fails). The message never holds the data.
 */
export function open(key: Uint8Array, sealed: string, context: string): Buffer {
  const parts = sealed.split('.');
  const [format, iv, body, tag] = parts;
  if (
    parts.length !== 4 ||
    format !== FORMAT ||
    iv === undefined ||
    body === undefined ||
    tag === undefined
  ) {
    throw new SealError('not a sealed value of a known format');
  }
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'), {
      authTagLength: TAG_BYTES,
    });
    decipher.setAAD(Buffer.from(context, 'utf8'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]);
  } catch {
    throw new SealError('the sealed value does not open with this key (wrong key, or tampered)');
  }
}

/** A fresh random data key (one per data subject). */
export function newDataKey(): Buffer {
  return randomBytes(KEY_BYTES);
}

/**
 * Stable identifier of a key-encryption key, stored next to each wrapped data key so the right KEK
 * is picked after a rotation. Derived with HMAC so it reveals nothing about the key.
 */
export function kekId(kek: Uint8Array): string {
  return createHmac('sha256', kek).update('waybill:kek-id:v2').digest('hex').slice(0, 16);
}

/**
 * Id of the KEK itself as earlier versions wrapped with it directly (`v1`): such wrapped keys still
 * unwrap, and the next rewrap (`pd rewrap`, a scheduled rotation) moves them to the derived key.
 */
export function legacyKekId(kek: Uint8Array): string {
  return createHmac('sha256', kek).update('waybill:kek-id:v1').digest('hex').slice(0, 16);
}

/**
 * The key that wraps data keys, derived from the KEK with HKDF: the KEK itself is never used
 * directly, and each purpose gets its own key (data-key wrapping here; the idempotency request
 * hash and the access-log pseudonyms derive theirs with other labels, see docs/privacy.md).
 */
function wrappingKey(kek: Uint8Array): Buffer {
  return Buffer.from(hkdfSync('sha256', kek, Buffer.alloc(0), 'waybill:kek:wrap-data-keys:v2', KEY_BYTES));
}

/**
 * The key-encryption keys of this gateway: the current one (wraps new data keys) and previous ones
 * (still unwrap data keys not yet rewrapped after a rotation).
 */
export class KeyRing {
  #currentId: string;
  /** Wrapping key by id: derived keys under their ids, and each KEK itself under its legacy id. */
  readonly #keys = new Map<string, Buffer>();
  readonly #legacy = new Set<string>();

  /** @throws Error when a key is not 32 bytes (configuration validates this first). */
  constructor(current: Uint8Array, previous: readonly Uint8Array[] = []) {
    for (const k of [current, ...previous]) this.#add(k);
    this.#currentId = kekId(current);
  }

  #add(k: Uint8Array): string {
    if (k.length !== KEY_BYTES) throw new Error(`a key-encryption key has ${KEY_BYTES} bytes`);
    const id = kekId(k);
    if (!this.#keys.has(id)) this.#keys.set(id, wrappingKey(k));
    const legacy = legacyKekId(k);
    if (!this.#keys.has(legacy)) {
      this.#keys.set(legacy, Buffer.from(k));
      this.#legacy.add(legacy);
    }
    return id;
  }

  /** Id of the KEK that wraps new data keys. */
  get currentId(): string {
    return this.#currentId;
  }

  /**
   * A KEK rotation's first step: `next` wraps from now on; the keys held so far still unwrap until
   * {@link forget} (after every data key was rewrapped).
   * @returns the new KEK's id.
   */
  rotate(next: Uint8Array): string {
    this.#currentId = this.#add(next);
    return this.#currentId;
  }

  /** Drops every KEK but the current one from memory (their bytes overwritten). */
  forgetPrevious(): string[] {
    const dropped: string[] = [];
    for (const [id, key] of this.#keys) {
      if (id === this.#currentId) continue;
      key.fill(0);
      this.#keys.delete(id);
      if (!this.#legacy.delete(id)) dropped.push(id);
    }
    return dropped;
  }

  /** Ids of every KEK this ring holds, current first (legacy ids aside). */
  get ids(): string[] {
    const ids = [...this.#keys.keys()].filter((id) => !this.#legacy.has(id));
    return [this.#currentId, ...ids.filter((id) => id !== this.#currentId)];
  }

  has(id: string): boolean {
    return this.#keys.has(id);
  }

  /** Wraps a data key under the current KEK; the context binds it to its subject. */
  wrap(dataKey: Uint8Array, context: string): { wrapped: string; kekId: string } {
    return {
      wrapped: seal(this.#key(this.currentId), dataKey, `waybill:dek:${context}`),
      kekId: this.currentId,
    };
  }

  /** @throws {@link SealError} when `id` is not in the ring, or the wrapped key does not open. */
  unwrap(wrapped: string, id: string, context: string): Buffer {
    return open(this.#key(id), wrapped, `waybill:dek:${context}`);
  }

  #key(id: string): Buffer {
    const key = this.#keys.get(id);
    if (!key) throw new SealError(`key-encryption key ${id} is not configured`);
    return key;
  }
}
