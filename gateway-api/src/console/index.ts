import type { Provider } from '@nestjs/common';
import type { GatewayConfig } from '../config/config';
import { CONSOLE_ORGANIZATION, SESSION_MAX_TTL_SECONDS } from './console-session-cookie';
import { ConsoleSessions } from './console-sessions';

export { ConsoleController } from './console.controller';
export { setUpConsole } from './console.setup';

/** Sessions held at once by one gateway process. */
const MAX_SESSIONS = 10_000;

/** The console feature's providers, spread into the application module. */
export function consoleProviders(config: GatewayConfig): Provider[] {
  return [
    {
      provide: ConsoleSessions,
      useValue: new ConsoleSessions({ maxTtlMs: SESSION_MAX_TTL_SECONDS * 1000, maxSessions: MAX_SESSIONS }),
    },
    { provide: CONSOLE_ORGANIZATION, useValue: config.profile.organization },
  ];
}
