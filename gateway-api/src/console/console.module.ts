import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { ConsoleController, consoleProviders } from './index';

/**
 * The web console's sign-in: `POST/GET/DELETE /v1/console/session` exchange an API key for an
 * HttpOnly session cookie. Its static assets and the cookie's stand-in for the key are set up on
 * the HTTP server by `setUpConsole` (bootstrap), not here.
 */
@Module({
  imports: [AuthModule],
  controllers: [ConsoleController],
  providers: consoleProviders(),
})
export class ConsoleModule {}
