import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';
import { CliError } from '../common/errors';

/**
 * The declarative AWS Managed Blockchain file (`waybill aws plan|apply|destroy --file`): which
 * network this AWS account creates or joins, the members it owns there and their peer nodes.
 * Pipeline as for the local topology: parse → schema ({@link AMB_SCHEMA}) → normalise
 * ({@link normaliseAmbSpec}, defaults and the edition's limits).
 */

/** AMB editions and the limits the service enforces (AWS documentation, December 2026). */
export const EDITIONS = {
  STARTER: { maxMembers: 5, maxNodesPerMember: 2, instanceTypes: ['bc.t3.small', 'bc.t3.medium'] },
  STANDARD: {
    maxMembers: 14,
    maxNodesPerMember: 3,
    instanceTypes: [
      'bc.t3.small',
      'bc.t3.medium',
      'bc.t3.large',
      'bc.t3.xlarge',
      'bc.m5.large',
      'bc.m5.xlarge',
      'bc.m5.2xlarge',
      'bc.m5.4xlarge',
      'bc.c5.large',
      'bc.c5.xlarge',
      'bc.c5.2xlarge',
      'bc.c5.4xlarge',
    ],
  },
} as const;
export type Edition = keyof typeof EDITIONS;
/** The only Hyperledger Fabric version AMB runs. */
export const AMB_FABRIC_VERSION = '2.2';
/** AMB allows at most this many channels per network. */
export const AMB_MAX_CHANNELS = 8;

const NAME = /^[A-Za-z][A-Za-z0-9-]{0,63}$/;
const ENV_NAME = /^[A-Z_][A-Z0-9_]*$/;

const nodeSchema = z.strictObject({
  instanceType: z.string().regex(/^bc\.[a-z0-9]+\.[a-z0-9]+$/, 'must look like bc.t3.small'),
  availabilityZone: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d[a-z]$/, 'must look like us-east-1a'),
  stateDb: z.enum(['LevelDB', 'CouchDB']).default('LevelDB'),
  logs: z
    .strictObject({ peer: z.boolean().default(false), chaincode: z.boolean().default(false) })
    .default({ peer: false, chaincode: false }),
});

const memberSchema = z.strictObject({
  name: z.string().regex(NAME, 'must start with a letter; letters, digits and - only, at most 64'),
  description: z.string().max(128).optional(),
  adminUsername: z
    .string()
    .regex(/^[A-Za-z][A-Za-z0-9]{0,15}$/, 'must be 1-16 letters or digits, starting with a letter')
    .default('admin'),
  /** Name of the environment variable holding the admin password: the file never holds a secret. */
  adminPasswordEnv: z
    .string()
    .regex(ENV_NAME, 'must be an environment variable name')
    .default('WAYBILL_AMB_ADMIN_PASSWORD'),
  logs: z.strictObject({ ca: z.boolean().default(false) }).default({ ca: false }),
  nodes: z.array(nodeSchema).default([]),
});

const votingSchema = z.strictObject({
  thresholdPercentage: z.number().int().min(0).max(100).default(50),
  proposalDurationHours: z.number().int().min(1).max(168).default(24),
  comparator: z.enum(['GREATER_THAN', 'GREATER_THAN_OR_EQUAL_TO']).default('GREATER_THAN'),
});

const networkSchema = z.strictObject({
  name: z.string().regex(NAME, 'must start with a letter; letters, digits and - only, at most 64'),
  description: z.string().max(128).optional(),
  edition: z.enum(['STARTER', 'STANDARD']).default('STARTER'),
  frameworkVersion: z
    .literal(AMB_FABRIC_VERSION, { error: `AMB runs Hyperledger Fabric ${AMB_FABRIC_VERSION} only` })
    .default(AMB_FABRIC_VERSION),
  voting: votingSchema.default({
    thresholdPercentage: 50,
    proposalDurationHours: 24,
    comparator: 'GREATER_THAN',
  }),
});

/** The schema of the file, as parsed from YAML or JSON. */
export const AMB_SCHEMA = z
  .strictObject({
    /** The AWS account this file is for (12 digits); proposals inviting it name it. */
    account: z.string().regex(/^\d{12}$/, 'must be the 12-digit AWS account ID'),
    /** Create this network (this account's first member is created with it)… */
    network: networkSchema.optional(),
    /** …or join an existing one by accepting this account's invitation. */
    join: z
      .strictObject({ networkId: z.string().regex(/^n-[A-Z0-9]{26}$/, 'must be a network ID (n-…)') })
      .optional(),
    members: z.array(memberSchema).min(1, 'must list at least one member'),
  })
  .superRefine((v, ctx) => {
    if ((v.network === undefined) === (v.join === undefined)) {
      ctx.addIssue({
        code: 'custom',
        message: 'give exactly one of network (create it) or join (accept an invitation)',
        path: [],
      });
    }
    const seen = new Set<string>();
    v.members.forEach((m, i) => {
      if (seen.has(m.name))
        ctx.addIssue({
          code: 'custom',
          message: `duplicate member name ${m.name}`,
          path: ['members', i, 'name'],
        });
      seen.add(m.name);
    });
  });

export type AmbFile = z.infer<typeof AMB_SCHEMA>;

export interface NodeSpec {
  readonly instanceType: string;
  readonly availabilityZone: string;
  readonly stateDb: 'LevelDB' | 'CouchDB';
  readonly logs: { readonly peer: boolean; readonly chaincode: boolean };
}

export interface MemberSpec {
  readonly name: string;
  readonly description: string | undefined;
  readonly adminUsername: string;
  readonly adminPasswordEnv: string;
  readonly logs: { readonly ca: boolean };
  readonly nodes: readonly NodeSpec[];
}

export interface NetworkSpec {
  readonly name: string;
  readonly description: string | undefined;
  readonly edition: Edition;
  readonly frameworkVersion: string;
  readonly voting: {
    readonly thresholdPercentage: number;
    readonly proposalDurationHours: number;
    readonly comparator: 'GREATER_THAN' | 'GREATER_THAN_OR_EQUAL_TO';
  };
}

/** The normalised file: either `network` (create) or `join` (invitation), never both. */
export interface AmbSpec {
  readonly account: string;
  readonly network: NetworkSpec | undefined;
  readonly join: { readonly networkId: string } | undefined;
  readonly members: readonly MemberSpec[];
  /** Where it was read from, for messages. */
  readonly source: string;
}

/** Reads, validates and normalises a file; throws one {@link CliError} naming every problem. */
export function loadAmbSpec(file: string): AmbSpec {
  let raw: unknown;
  try {
    raw = parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new CliError(`cannot read ${file}: ${(err as Error).message.split('\n')[0] ?? ''}`);
  }
  return parseAmbSpec(raw, path.basename(file));
}

/** {@link loadAmbSpec} for an already parsed document. */
export function parseAmbSpec(raw: unknown, source = 'aws file'): AmbSpec {
  const parsed = AMB_SCHEMA.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (i) => `${i.path.length ? i.path.join('.') : '(file)'}: ${i.message}`,
    );
    throw new CliError(`${source} is invalid: ${problems.join('; ')}`);
  }
  return normaliseAmbSpec(parsed.data, source);
}

/** Applies the edition's limits (members, nodes per member, instance types) the schema cannot. */
export function normaliseAmbSpec(file: AmbFile, source = 'aws file'): AmbSpec {
  const problems: string[] = [];
  // Joining: the edition is the network's, checked against the service at apply time.
  const edition: Edition = file.network?.edition ?? 'STANDARD';
  const limits = EDITIONS[edition];
  if (file.members.length > limits.maxMembers) {
    problems.push(
      `members: ${file.members.length} members, a ${edition} network allows ${limits.maxMembers}`,
    );
  }
  file.members.forEach((m, i) => {
    if (m.nodes.length > limits.maxNodesPerMember) {
      problems.push(
        `members.${i}.nodes: ${m.nodes.length} nodes, a ${edition} network allows ${limits.maxNodesPerMember} per member`,
      );
    }
    m.nodes.forEach((n, j) => {
      if (!(limits.instanceTypes as readonly string[]).includes(n.instanceType)) {
        problems.push(
          `members.${i}.nodes.${j}.instanceType: ${n.instanceType} is not available in a ${edition} network (${limits.instanceTypes.join(', ')})`,
        );
      }
    });
  });
  const zones = new Set(file.members.flatMap((m) => m.nodes.map((n) => n.availabilityZone.slice(0, -1))));
  if (zones.size > 1)
    problems.push(`nodes: availability zones of more than one region (${[...zones].join(', ')})`);
  if (problems.length) throw new CliError(`${source} is invalid: ${problems.join('; ')}`);
  return {
    account: file.account,
    network: file.network
      ? {
          name: file.network.name,
          description: file.network.description,
          edition: file.network.edition,
          frameworkVersion: file.network.frameworkVersion,
          voting: file.network.voting,
        }
      : undefined,
    join: file.join,
    members: file.members.map((m) => ({
      name: m.name,
      description: m.description,
      adminUsername: m.adminUsername,
      adminPasswordEnv: m.adminPasswordEnv,
      logs: m.logs,
      nodes: m.nodes,
    })),
    source,
  };
}

/**
 * The member admin's password from the environment variable the file names; AMB's rules: 8-32
 * characters with an upper-case letter, a lower-case letter and a digit, none of ' " \ / @ or space.
 */
export function adminPassword(member: MemberSpec, env: NodeJS.ProcessEnv = process.env): string {
  const value = env[member.adminPasswordEnv];
  if (!value) {
    throw new CliError(
      `member ${member.name}: set its admin password in ${member.adminPasswordEnv} (never in the file)`,
    );
  }
  if (
    value.length < 8 ||
    value.length > 32 ||
    !/[A-Z]/.test(value) ||
    !/[a-z]/.test(value) ||
    !/\d/.test(value) ||
    /['"\\/@\s]/.test(value)
  ) {
    throw new CliError(
      `member ${member.name}: the password in ${member.adminPasswordEnv} breaks AMB's rules (8-32 characters, upper and lower case and a digit, none of ' " \\ / @ or space)`,
    );
  }
  return value;
}
