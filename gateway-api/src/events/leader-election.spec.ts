import { JsonLogger } from '../common/logger';
import { PostgresDatabase } from '../database/postgres.database';
import { SqliteDatabase } from '../database/sqlite.database';
import { leaderElectionFor } from './leader-election-for';
import { testConfig } from '../testing/test-app';
import { postgresTestSchema, type PostgresTestSchema, testDatabases } from '../testing/databases';
import { AlwaysLeader } from './always-leader';
import { LEADER_LOCK_CLASS, PostgresLeaderElection } from './postgres-leader-election';

const RETRY_MS = 100;

const until = async (check: () => Promise<boolean> | boolean, ms = 10_000): Promise<void> => {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
};

/** An election candidate with the leadership changes it was told and the log lines it wrote. */
class Candidate {
  readonly changes: boolean[] = [];
  readonly logs: Record<string, unknown>[] = [];
  readonly election: PostgresLeaderElection;

  constructor(readonly db: PostgresDatabase) {
    const logger = new JsonLogger('debug', (line) => void this.logs.push(JSON.parse(line) as Record<string, unknown>));
    this.election = new PostgresLeaderElection((o) => db.session(o), { retryMs: RETRY_MS }, logger);
  }

  start(): Promise<void> {
    return this.election.start((leader) => this.changes.push(leader));
  }

  get leader(): boolean {
    return this.election.isLeader();
  }
}

describe('AlwaysLeader (SQLite)', () => {
  it('leads from the start, tells so once, and is what a SQLite database gets', async () => {
    const election = new AlwaysLeader();
    const changes: boolean[] = [];
    expect(election.isLeader()).toBe(false);
    await election.start((l) => changes.push(l));
    await election.start((l) => changes.push(l));
    expect(election.isLeader()).toBe(true);
    expect(changes).toEqual([true]);
    await election.stop();
    expect(election.isLeader()).toBe(false);

    const sqlite = new SqliteDatabase(':memory:');
    expect(leaderElectionFor(sqlite, testConfig(), new JsonLogger('error'))).toBeInstanceOf(AlwaysLeader);
    await sqlite.close();
  });
});

// The PostgreSQL server of the storage tests; left out only on an explicit WAYBILL_TEST_SQLITE_ONLY=1.
const postgres = testDatabases().some(([name]) => name === 'postgres')
  ? [process.env.WAYBILL_TEST_DATABASE_URL ?? '']
  : [];

for (const pgUrl of postgres) describe('PostgresLeaderElection', () => {
  let schema: PostgresTestSchema;
  let candidates: Candidate[];
  let admin: PostgresDatabase;

  const candidate = (url = schema.url): Candidate => {
    const c = new Candidate(new PostgresDatabase(url, 1));
    candidates.push(c);
    return c;
  };
  const leaders = () => candidates.filter((c) => c.leader);

  beforeEach(async () => {
    schema = await postgresTestSchema(pgUrl);
    admin = new PostgresDatabase(schema.url, 1);
    candidates = [];
  });

  afterEach(async () => {
    for (const c of candidates) {
      await c.election.stop();
      await c.db.close();
    }
    await admin.close();
    await schema.drop();
  });

  it('elects exactly one of two processes on one database; another schema elects its own', async () => {
    expect(leaderElectionFor(admin, testConfig(), new JsonLogger('error'))).toBeInstanceOf(PostgresLeaderElection);
    const a = candidate();
    const b = candidate();
    await a.start();
    await b.start();
    expect(a.leader).toBe(true);
    expect(b.leader).toBe(false);
    expect(a.changes).toEqual([true]);
    expect(b.changes).toEqual([]);
    // Several retry periods later nothing has changed: the follower keeps being refused.
    await until(() => b.logs.some((l) => l.msg === 'event leadership held by another gateway process; following'));
    await new Promise((r) => setTimeout(r, RETRY_MS * 5));
    expect(leaders()).toEqual([a]);
    expect(b.changes).toEqual([]);
    expect(a.logs.map((l) => l.msg)).toContain('event leadership acquired');

    // A gateway in another schema of the same database is another deployment: it leads its own.
    const other = await postgresTestSchema(pgUrl);
    try {
      const c = candidate(other.url);
      await c.start();
      expect(c.leader).toBe(true);
      await c.election.stop();
      await c.db.close();
      candidates.pop();
    } finally {
      await other.drop();
    }
  });

  it('hands over when the leader stops (its connection closes): the follower leads within a period', async () => {
    const a = candidate();
    const b = candidate();
    await a.start();
    await b.start();
    expect(leaders()).toEqual([a]);
    await a.election.stop();
    expect(a.leader).toBe(false);
    await until(() => b.leader);
    expect(b.changes).toEqual([true]);
    expect(leaders()).toEqual([b]);
    // A stop is not a loss: the stopped process was not told (its owner stopped the work itself).
    expect(a.changes).toEqual([true]);
  });

  it('tells a leader whose session was terminated that it lost, and another takes over', async () => {
    const a = candidate();
    const b = candidate();
    await a.start();
    await b.start();
    expect(leaders()).toEqual([a]);
    const holders = await admin.query<{ pid: number }>(
      `SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND classid = $1 AND objsubid = 2
         AND objid = hashtext(current_schema())::oid AND granted`,
      [LEADER_LOCK_CLASS],
    );
    expect(holders).toHaveLength(1);
    const [terminated] = await admin.query<{ ok: boolean }>('SELECT pg_terminate_backend($1) AS ok', [
      holders[0]?.pid ?? 0,
    ]);
    expect(terminated?.ok).toBe(true);
    await until(() => a.changes.length === 2);
    expect(a.changes).toEqual([true, false]);
    expect(a.logs).toContainEqual(expect.objectContaining({ level: 'warn', msg: 'event leadership lost' }));
    // Whoever wins the next round (the follower, or the old leader campaigning again), it is one.
    await until(() => leaders().length === 1);
    await new Promise((r) => setTimeout(r, RETRY_MS * 5));
    expect(leaders()).toHaveLength(1);
    const winner = leaders()[0];
    expect(winner?.changes[winner.changes.length - 1]).toBe(true);
  });

  it('follows, logging why, while its database cannot be reached', async () => {
    const unreachable = new URL(schema.url);
    unreachable.port = '1';
    const c = new Candidate(new PostgresDatabase(unreachable.toString(), 1));
    await c.start();
    expect(c.leader).toBe(false);
    expect(c.logs).toContainEqual(
      expect.objectContaining({ level: 'warn', msg: 'event leadership: database connection failed; retrying' }),
    );
    await c.election.stop();
    await c.db.close();
  });
});
