import type { AuthenticatedClient } from '../common/client';
import { type CertificateRole, certificateFileRole } from '../config/certificate-role';
import type { ConnectionProfile } from '../config/profile';
import { type ApiKeyRecord, ApiKeyRepository } from './api-key.repository';
import { generateApiKey, hashSecret, parseApiKey, secretMatches } from './api-key';
import { RateLimiter } from './rate-limiter';

/** Outcome of checking a presented API key. */
export type AuthResult =
  | { readonly ok: true; readonly client: AuthenticatedClient }
  | {
      readonly ok: false;
      readonly reason: 'missing' | 'invalid' | 'revoked' | 'expired' | 'identity-unavailable';
    };

/** An API key as listed (no secret, no hash). */
export interface ApiKeyView {
  readonly keyId: string;
  readonly name: string;
  readonly identityId: string;
  readonly role: string;
  readonly createdAt: string;
  readonly revokedAt: string | null;
  /** When the key stops working; null: never. */
  readonly expiresAt: string | null;
}

/** A bad request to create or revoke a key (unknown identity, malformed key…). */
export class ApiKeyError extends Error {
  constructor(
    readonly code:
      | 'IDENTITY_UNKNOWN'
      | 'IDENTITY_NOT_GRANTABLE'
      | 'API_KEY_MALFORMED'
      | 'API_KEY_EXISTS'
      | 'API_KEY_NOT_FOUND'
      | 'NAME_INVALID'
      | 'EXPIRY_INVALID',
    message: string,
  ) {
    super(message);
    this.name = 'ApiKeyError';
  }
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9 ._@:-]{0,63}$/;
const MISS_LOOKUPS_PER_SECOND = 20;

/**
 * Creates, lists, revokes and checks API keys.
 *
 * Checks run against an in-memory copy of the table, so a request costs one SHA-256 and no
 * database work. The copy is refreshed when a cheap fingerprint query (every `refreshMs`) shows a
 * key was created or revoked — by this process or another one such as the admin CLI — so a
 * revocation takes effect within `refreshMs`, and at once in this process. A key id missing from
 * the copy is looked up directly (at most 20 lookups a second), so a key created by another
 * process works at once.
 */
export class ApiKeysService {
  #keys = new Map<string, ApiKeyRecord>();
  #fingerprint = '';
  /** Unknown key ids are looked up in the database at most this often, so bogus keys cannot hammer it. */
  readonly #missLookups = new RateLimiter(MISS_LOOKUPS_PER_SECOND, MISS_LOOKUPS_PER_SECOND);
  #refreshing: Promise<void> | undefined;
  #timer: NodeJS.Timeout | undefined;

  /**
   * Identities whose certificate carries no `waybill.role` (an AWS member's bootstrap admin): the
   * profile alone would give them their role, so they have none here. No key is created for them,
   * and a key bound to one does not authenticate. (A file that is no certificate at all, the tests'
   * placeholders, cannot sign either; it is not read as one.)
   */
  readonly #roleless: ReadonlySet<string>;

  constructor(
    private readonly repository: ApiKeyRepository,
    private readonly profile: ConnectionProfile,
    private readonly options: {
      readonly refreshMs: number;
      readonly now?: () => number;
      readonly roleOf?: (certPath: string) => CertificateRole;
    } = {
      refreshMs: 1000,
    },
  ) {
    const roleOf = options.roleOf ?? certificateFileRole;
    this.#roleless = new Set(
      profile.identities.filter((i) => roleOf(i.certPath).kind === 'no-role').map((i) => i.id),
    );
  }

  /** Loads the keys and starts polling for changes. */
  async start(): Promise<void> {
    await this.refresh(true);
    this.#timer = setInterval(() => void this.refresh(false).catch(() => undefined), this.options.refreshMs);
    this.#timer.unref();
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** Re-reads the table when its fingerprint changed (or always, with `force`). Coalesces callers. */
  refresh(force = false): Promise<void> {
    this.#refreshing ??= (async () => {
      try {
        const fingerprint = await this.repository.fingerprint();
        if (force || fingerprint !== this.#fingerprint) {
          const all = await this.repository.all();
          this.#keys = new Map(all.map((k) => [k.keyId, k]));
          this.#fingerprint = fingerprint;
        }
      } finally {
        this.#refreshing = undefined;
      }
    })();
    return this.#refreshing;
  }

  /** Checks a presented key (the header value, without any `Bearer ` prefix). */
  async authenticate(presented: string): Promise<AuthResult> {
    const parsed = parseApiKey(presented);
    if (!parsed) return { ok: false, reason: 'invalid' };
    let record = this.#keys.get(parsed.keyId);
    if (!record && this.#missLookups.take('miss').allowed) {
      // Maybe a key created a moment ago by another process: look before refusing.
      record = await this.repository.find(parsed.keyId);
      if (record) this.#keys.set(record.keyId, record);
    }
    if (!record || !secretMatches(parsed.secret, record.secretSha256))
      return { ok: false, reason: 'invalid' };
    if (record.revokedAt !== null) return { ok: false, reason: 'revoked' };
    if (record.expiresAt !== null && this.#now() >= record.expiresAt) return { ok: false, reason: 'expired' };
    const identity = this.profile.identities.find((i) => i.id === record.identityId);
    if (!identity || this.#roleless.has(identity.id)) return { ok: false, reason: 'identity-unavailable' };
    return {
      ok: true,
      client: {
        keyId: record.keyId,
        name: record.name,
        identityId: identity.id,
        role: identity.role,
        mspId: this.profile.mspId,
      },
    };
  }

  /**
   * Creates a key bound to an identity of the connection profile. With `key`, registers that key
   * (generated elsewhere, e.g. by the infra) instead of a random one; registering the same key
   * twice is a no-op.
   * @returns the key, shown this once.
   * @throws {@link ApiKeyError} for an unknown identity, a bad name, a malformed or clashing key.
   */
  async create(input: {
    name: string;
    identityId: string;
    key?: string;
    /** Over HTTP: the admin asking. It may hand out keys of non-admin identities only. */
    grantedBy?: AuthenticatedClient;
    /** When the key stops working (epoch ms); must be in the future. */
    expiresAt?: number;
  }): Promise<{ key: string; apiKey: ApiKeyView; created: boolean }> {
    if (input.expiresAt !== undefined && input.expiresAt <= this.#now()) {
      throw new ApiKeyError('EXPIRY_INVALID', 'expiresAt must be in the future');
    }
    if (!NAME.test(input.name)) {
      throw new ApiKeyError(
        'NAME_INVALID',
        'the name must be 1-64 letters, digits, spaces or ._@:- and start with a letter or digit',
      );
    }
    const identity = this.profile.identities.find((i) => i.id === input.identityId);
    if (!identity) {
      throw new ApiKeyError(
        'IDENTITY_UNKNOWN',
        `identity ${input.identityId} is not in the connection profile (known: ${this.profile.identities.map((i) => i.id).join(', ')})`,
      );
    }
    if (this.#roleless.has(identity.id)) {
      throw new ApiKeyError(
        'IDENTITY_NOT_GRANTABLE',
        `identity ${identity.id} has no role: its certificate carries no waybill.role attribute (enrol an identity with one)`,
      );
    }
    // An admin key must not mint more admin keys (one leaked admin key would outlive its
    // revocation through them): admin keys come from the admin command on the gateway's host.
    if (input.grantedBy !== undefined && identity.role === 'admin') {
      throw new ApiKeyError(
        'IDENTITY_NOT_GRANTABLE',
        `identity ${identity.id} has the admin role: its keys are created with the admin command on the gateway's host, not over the API`,
      );
    }
    let generated: { key: string; keyId: string; secret: string };
    if (input.key !== undefined) {
      const parsed = parseApiKey(input.key);
      if (!parsed)
        throw new ApiKeyError(
          'API_KEY_MALFORMED',
          'the key must look like wb_<16 hex>_<43 base64url characters>',
        );
      generated = { key: input.key, ...parsed };
    } else {
      generated = generateApiKey();
    }
    const record: ApiKeyRecord = {
      keyId: generated.keyId,
      name: input.name,
      identityId: identity.id,
      role: identity.role,
      secretSha256: hashSecret(generated.secret),
      createdAt: this.#now(),
      revokedAt: null,
      expiresAt: input.expiresAt ?? null,
    };
    const created = await this.repository.insert(record);
    if (!created) {
      const existing = await this.repository.find(record.keyId);
      const same =
        existing !== undefined &&
        input.key !== undefined &&
        secretMatches(generated.secret, existing.secretSha256) &&
        existing.identityId === record.identityId &&
        existing.revokedAt === null;
      if (!same || !existing)
        throw new ApiKeyError(
          'API_KEY_EXISTS',
          `key ${record.keyId} exists already with other settings or was revoked`,
        );
      return { key: generated.key, apiKey: view(existing), created: false };
    }
    this.#keys.set(record.keyId, record);
    return { key: generated.key, apiKey: view(record), created: true };
  }

  async list(): Promise<ApiKeyView[]> {
    return (await this.repository.all()).map(view);
  }

  /**
   * Rotates a key: a new key for the same identity and name (and the same hand-out rule), while
   * the old one keeps working for `graceMs` and then expires (at once with 0), so a client can
   * switch without a gap.
   * @throws {@link ApiKeyError} when no such live key exists, or it is not the asker's to hand out.
   */
  async rotate(
    keyId: string,
    options: { graceMs: number; grantedBy?: AuthenticatedClient; expiresAt?: number },
  ): Promise<{ key: string; apiKey: ApiKeyView; previous: ApiKeyView }> {
    const old = await this.repository.find(keyId);
    if (!old || old.revokedAt !== null || (old.expiresAt !== null && old.expiresAt <= this.#now())) {
      throw new ApiKeyError('API_KEY_NOT_FOUND', `no live API key ${keyId}`);
    }
    const created = await this.create({
      name: old.name,
      identityId: old.identityId,
      ...(options.grantedBy ? { grantedBy: options.grantedBy } : {}),
      ...(options.expiresAt !== undefined ? { expiresAt: options.expiresAt } : {}),
    });
    await this.repository.expire(keyId, this.#now() + options.graceMs);
    const previous = await this.repository.find(keyId);
    if (previous) this.#keys.set(keyId, previous);
    return { key: created.key, apiKey: created.apiKey, previous: view(previous ?? old) };
  }

  /**
   * Revokes a key; effective at once in this process, within `refreshMs` in the others.
   * @throws {@link ApiKeyError} when no such key exists.
   */
  async revoke(keyId: string): Promise<ApiKeyView> {
    const at = this.#now();
    await this.repository.revoke(keyId, at);
    const record = await this.repository.find(keyId);
    if (!record) throw new ApiKeyError('API_KEY_NOT_FOUND', `no API key ${keyId}`);
    this.#keys.set(keyId, record);
    return view(record);
  }

  #now(): number {
    return (this.options.now ?? Date.now)();
  }
}

function view(r: ApiKeyRecord): ApiKeyView {
  return {
    keyId: r.keyId,
    name: r.name,
    identityId: r.identityId,
    role: r.role,
    createdAt: new Date(r.createdAt).toISOString(),
    revokedAt: r.revokedAt === null ? null : new Date(r.revokedAt).toISOString(),
    expiresAt: r.expiresAt === null ? null : new Date(r.expiresAt).toISOString(),
  };
}
