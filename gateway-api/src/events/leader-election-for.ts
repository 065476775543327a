import type { JsonLogger } from '../common/logger';
import type { GatewayConfig } from '../config/config';
import type { Database } from '../database/database';
import { PostgresDatabase } from '../database/postgres.database';
import { AlwaysLeader } from './always-leader';
import type { LeaderElection } from './leader-election';
import { PostgresLeaderElection } from './postgres-leader-election';

/**
 * The event leader election for a database: on PostgreSQL, processes sharing the database elect
 * one with an advisory lock; a SQLite file belongs to one process, which always leads.
 */
export function leaderElectionFor(
  database: Database,
  config: GatewayConfig,
  logger: JsonLogger,
): LeaderElection {
  if (database instanceof PostgresDatabase) {
    return new PostgresLeaderElection(
      (o) => database.session(o),
      { retryMs: config.events.leaderRetryMs },
      logger,
    );
  }
  return new AlwaysLeader();
}
