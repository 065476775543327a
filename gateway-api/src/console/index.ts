import type { Provider } from '@nestjs/common';
import { CONFIG, type GatewayConfig } from '../config/config';
import { CONSOLE_ORGANIZATION, SESSION_MAX_TTL_SECONDS } from './console-session-cookie';
import { ConsoleSessions } from './console-sessions';

export { ConsoleController } from './console.controller';
export { setUpConsole } from './console.setup';

/** Sessions held at once by one gateway process. */
const MAX_SESSIONS = 10_000;

/** The console feature's providers. */
export function consoleProviders(): Provider[] {
  return [
    {
      provide: ConsoleSessions,
      useFactory: () => new ConsoleSessions({ maxTtlMs: SESSION_MAX_TTL_SECONDS * 1000, maxSessions: MAX_SESSIONS }),
    },
    { provide: CONSOLE_ORGANIZATION, useFactory: (c: GatewayConfig) => c.profile.organization, inject: [CONFIG] },
  ];
}
