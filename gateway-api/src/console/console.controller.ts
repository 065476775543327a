import { Body, Controller, Delete, Get, HttpCode, Inject, Post, Req, Res } from '@nestjs/common';
import {
  ApiNoContentResponse,
  ApiOperation,
  ApiProperty,
  ApiPropertyOptional,
  ApiTags,
} from '@nestjs/swagger';
import { IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { type AuthResult, ApiKeysService } from '../auth/api-keys.service';
import { authProblem } from '../auth/front-door';
import { ApiRead } from '../http/openapi';
import { ProblemException } from '../common/problems';
import { type FastifyReply, type FastifyRequest, Public } from '../common/request-context';
import { ConsoleSessions } from './console-sessions';
import {
  CONSOLE_ORGANIZATION,
  clearSessionCookie,
  SESSION_COOKIE,
  SESSION_MAX_TTL_SECONDS,
  setSessionCookie,
} from './console-session-cookie';

export class SignInDto {
  @ApiProperty({ description: 'The API key to act with; kept by the gateway, never by the browser' })
  @IsString()
  @MaxLength(256)
  apiKey!: string;

  @ApiPropertyOptional({
    type: 'integer',
    minimum: 1,
    maximum: SESSION_MAX_TTL_SECONDS,
    default: SESSION_MAX_TTL_SECONDS,
    description: 'Session length in seconds (at most the default)',
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(SESSION_MAX_TTL_SECONDS)
  ttlSeconds?: number;
}

export class ConsoleSessionView {
  @ApiProperty({ example: 'Carrier' }) organization!: string;
  @ApiProperty({ example: 'CarrierMSP' }) mspId!: string;
  @ApiProperty({ example: 'carrier-user1' }) identityId!: string;
  @ApiProperty({ example: 'carrier' }) role!: string;
  @ApiProperty({ description: 'Name of the API key' }) keyName!: string;
  @ApiProperty({ format: 'date-time' }) expiresAt!: string;
}

/**
 * Console sign-in: the API key is exchanged for an HttpOnly, SameSite=Strict session cookie that
 * the gateway maps back to the key (console.setup.ts), so no script can read a credential.
 */
@ApiTags('console')
@Public()
@Controller('v1/console/session')
export class ConsoleController {
  constructor(
    @Inject(ApiKeysService) private readonly keys: ApiKeysService,
    @Inject(ConsoleSessions) private readonly sessions: ConsoleSessions,
    @Inject(CONSOLE_ORGANIZATION) private readonly organization: string,
  ) {}

  @Post()
  @HttpCode(200)
  @ApiOperation({
    summary: 'Sign in to the console with an API key (sets the session cookie)',
    operationId: 'signInConsole',
  })
  @ApiRead(ConsoleSessionView)
  async signIn(
    @Body() body: SignInDto,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ConsoleSessionView> {
    const result = await this.keys.authenticate(body.apiKey.trim());
    const client = clientOf(result);
    const session = this.sessions.open(
      body.apiKey.trim(),
      body.ttlSeconds === undefined ? undefined : body.ttlSeconds * 1000,
    );
    setSessionCookie(request, reply, session);
    return this.#view(client, session.expiresAt);
  }

  @Get()
  @ApiOperation({
    summary: 'Who the console session acts as, and until when',
    operationId: 'getConsoleSession',
  })
  @ApiRead(ConsoleSessionView)
  async current(
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ConsoleSessionView> {
    const id = request.cookies[SESSION_COOKIE];
    if (id === undefined) throw new ProblemException('AUTH_REQUIRED', 'sign in to the console first');
    const session = this.sessions.find(id);
    if (!session) {
      clearSessionCookie(request, reply);
      throw new ProblemException('SESSION_EXPIRED');
    }
    const client = clientOf(await this.keys.authenticate(session.apiKey));
    return this.#view(client, session.expiresAt);
  }

  @Delete()
  @HttpCode(204)
  @ApiOperation({
    summary: 'Sign out of the console (ends the session, clears the cookie)',
    operationId: 'signOutConsole',
  })
  @ApiNoContentResponse({ description: 'Signed out (also when there was no session)' })
  signOut(@Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): void {
    const id = request.cookies[SESSION_COOKIE];
    if (id !== undefined) this.sessions.close(id);
    clearSessionCookie(request, reply);
  }

  #view(client: ReturnType<typeof clientOf>, expiresAt: number): ConsoleSessionView {
    return {
      organization: this.organization,
      mspId: client.mspId,
      identityId: client.identityId,
      role: client.role,
      keyName: client.name,
      expiresAt: new Date(expiresAt).toISOString(),
    };
  }
}

/** The same refusals as the API-key guard gives a bad key. */
function clientOf(result: AuthResult) {
  if (result.ok) return result.client;
  throw authProblem(result.reason);
}
