import { accessSync, constants, readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import {
  ALL_ROLES,
  type ConnectionProfile,
  type IdentityProfile,
  type PeerProfile,
  type Role,
} from '@waybill/chaincode/constants';

import { type CertificateRole, certificateFileRole } from './certificate-role';

export type { ConnectionProfile, IdentityProfile, PeerProfile, Role };

/** Checks that a file exists and is readable; returns a problem description or undefined. */
export type FileCheck = (path: string) => string | undefined;

const readableFile: FileCheck = (path) => {
  try {
    accessSync(path, constants.R_OK);
    return undefined;
  } catch {
    return 'is not a readable file';
  }
};

const ENDPOINT = /^[A-Za-z0-9.-]+:\d{1,5}$/;
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/**
 * Validates a parsed connection profile and lists every problem found.
 * Relative file paths are resolved against `baseDir` (the profile's folder).
 * @returns the profile, or the list of problems (never both).
 */
export function parseConnectionProfile(
  value: unknown,
  baseDir: string,
  checkFile: FileCheck = readableFile,
  roleOf: (certPath: string) => CertificateRole = certificateFileRole,
): { profile: ConnectionProfile; problems: [] } | { profile?: undefined; problems: string[] } {
  const problems: string[] = [];
  if (!isRecord(value)) {
    return { problems: ['the profile is not a JSON object'] };
  }
  const str = (obj: Record<string, unknown>, key: string, where: string, pattern?: RegExp): string => {
    const v = obj[key];
    if (typeof v !== 'string' || v.trim() === '') {
      problems.push(`${where}${key} must be a non-empty string`);
      return '';
    }
    if (pattern && !pattern.test(v)) {
      problems.push(`${where}${key} has an invalid format (${JSON.stringify(v)})`);
    }
    return v;
  };
  const file = (obj: Record<string, unknown>, key: string, where: string): string => {
    const raw = str(obj, key, where);
    if (raw === '') return '';
    const path = isAbsolute(raw) ? raw : resolve(baseDir, raw);
    const problem = checkFile(path);
    if (problem) problems.push(`${where}${key} ${path} ${problem}`);
    return path;
  };

  const organization = str(value, 'organization', '');
  const mspId = str(value, 'mspId', '', NAME);
  const channel = str(value, 'channel', '', NAME);
  const chaincode = str(value, 'chaincode', '', NAME);

  const peers: PeerProfile[] = [];
  if (!Array.isArray(value.peers) || value.peers.length === 0) {
    problems.push('peers must be a non-empty array');
  } else {
    value.peers.forEach((p: unknown, i) => {
      const where = `peers[${i}].`;
      if (!isRecord(p)) {
        problems.push(`peers[${i}] must be an object`);
        return;
      }
      const hostnameOverride = p.hostnameOverride;
      if (
        hostnameOverride !== undefined &&
        (typeof hostnameOverride !== 'string' || hostnameOverride === '')
      ) {
        problems.push(`${where}hostnameOverride must be a non-empty string when present`);
      }
      peers.push({
        name: str(p, 'name', where),
        endpoint: str(p, 'endpoint', where, ENDPOINT),
        tlsRootCertPath: file(p, 'tlsRootCertPath', where),
        ...(typeof hostnameOverride === 'string' && hostnameOverride !== '' ? { hostnameOverride } : {}),
      });
    });
  }

  const identities: IdentityProfile[] = [];
  if (!Array.isArray(value.identities) || value.identities.length === 0) {
    problems.push('identities must be a non-empty array');
  } else {
    const seen = new Set<string>();
    value.identities.forEach((entry: unknown, i) => {
      const where = `identities[${i}].`;
      if (!isRecord(entry)) {
        problems.push(`identities[${i}] must be an object`);
        return;
      }
      const id = str(entry, 'id', where, NAME);
      if (id !== '' && seen.has(id)) problems.push(`${where}id ${JSON.stringify(id)} is not unique`);
      seen.add(id);
      const role = entry.role;
      if (typeof role !== 'string' || !(ALL_ROLES as readonly string[]).includes(role)) {
        problems.push(`${where}role must be one of ${ALL_ROLES.join(', ')}`);
      }
      const certPath = file(entry, 'certPath', where);
      // The role is the certificate's (the chaincode checks that one): a profile cannot give an
      // identity another. A certificate without the attribute (an AWS member's bootstrap admin,
      // enrolled by `waybill aws connect`) still loads, but the identity has no role: the API key
      // service hands out and accepts no key of it. A file that is no certificate at all cannot
      // sign either (tests' placeholders).
      const inCertificate = certPath === '' ? undefined : roleOf(certPath);
      if (inCertificate?.kind === 'role' && inCertificate.role !== role) {
        problems.push(
          `${where}role ${JSON.stringify(role)} is not the role its certificate carries (${JSON.stringify(inCertificate.role)})`,
        );
      }
      identities.push({
        id,
        role: role as Role,
        certPath,
        keyPath: file(entry, 'keyPath', where),
      });
    });
  }

  const organizations: Record<string, string> = {};
  if (!isRecord(value.organizations)) {
    problems.push('organizations must be an object mapping MSP IDs to organisation names');
  } else {
    for (const [msp, name] of Object.entries(value.organizations)) {
      if (!NAME.test(msp) || typeof name !== 'string' || name === '') {
        problems.push(`organizations.${msp} must map an MSP ID to a non-empty organisation name`);
      } else {
        organizations[msp] = name;
      }
    }
    if (mspId !== '' && organizations[mspId] === undefined) {
      problems.push(`organizations must include this organisation's own MSP ID ${mspId}`);
    }
  }

  if (problems.length > 0) return { problems };
  return {
    profile: { organization, mspId, channel, chaincode, peers, identities, organizations },
    problems: [],
  };
}

/**
 * Reads and validates the connection profile at `path`.
 * @throws {@link ProfileError} listing every problem when the file is missing, not JSON or invalid.
 */
export function loadConnectionProfile(path: string, checkFile?: FileCheck): ConnectionProfile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new ProfileError(path, ['the file cannot be read']);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new ProfileError(path, ['the file is not valid JSON']);
  }
  const result = parseConnectionProfile(json, dirname(resolve(path)), checkFile);
  if (result.profile === undefined) throw new ProfileError(path, result.problems);
  return result.profile;
}

/** The connection profile is missing or invalid; `problems` lists every finding. */
export class ProfileError extends Error {
  constructor(
    readonly path: string,
    readonly problems: readonly string[],
  ) {
    super(`invalid connection profile ${path}: ${problems.join('; ')}`);
    this.name = 'ProfileError';
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
