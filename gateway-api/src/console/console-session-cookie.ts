import '@fastify/cookie';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ConsoleSession } from './console-sessions';

/** Name of the console's session cookie. */
export const SESSION_COOKIE = 'waybill_console';

/** Longest console session (and the default): a person signs in again after it. */
export const SESSION_MAX_TTL_SECONDS = 30 * 60;

/** Injection token of the organisation's display name. */
export const CONSOLE_ORGANIZATION = Symbol('CONSOLE_ORGANIZATION');

/** HttpOnly (no script reads it), SameSite=Strict (no other site sends it), Secure behind TLS. */
export function setSessionCookie(
  request: FastifyRequest,
  reply: FastifyReply,
  session: ConsoleSession,
): void {
  void reply.setCookie(SESSION_COOKIE, session.id, {
    path: '/',
    httpOnly: true,
    sameSite: 'strict',
    secure: request.protocol === 'https',
    maxAge: Math.max(1, Math.ceil((session.expiresAt - Date.now()) / 1000)),
  });
}

export function clearSessionCookie(request: FastifyRequest, reply: FastifyReply): void {
  void reply.clearCookie(SESSION_COOKIE, {
    path: '/',
    httpOnly: true,
    sameSite: 'strict',
    secure: request.protocol === 'https',
  });
}
