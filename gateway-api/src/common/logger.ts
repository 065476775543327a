import { writeSync } from 'node:fs';
import type { LoggerService } from '@nestjs/common';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error'];

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** Nest's start-up narration (one line per module and route): debug, not info. */
const NEST_CHATTER = new Set([
  'NestFactory',
  'InstanceLoader',
  'RoutesResolver',
  'RouterExplorer',
  'NestApplication',
]);

/** Fields of a log line. Callers pass identifiers and measurements only: never secrets or personal data. */
export type LogFields = Record<string, string | number | boolean | null | undefined>;

/** Where log lines go; tests collect them. */
export type LogSink = (line: string) => void;

/**
 * Structured JSON logs, one object per line: `time`, `level`, `msg`, then the fields
 * (`correlationId`, `txId`, `clientKeyId`…). Also serves as Nest's logger so that framework
 * messages have the same shape.
 */
export class JsonLogger implements LoggerService {
  constructor(
    private readonly level: LogLevel = 'info',
    private readonly sink: LogSink = (line) => void process.stdout.write(line),
    private readonly base: LogFields = {},
  ) {}

  /** A logger that adds `fields` to every line. */
  child(fields: LogFields): JsonLogger {
    return new JsonLogger(this.level, this.sink, { ...this.base, ...fields });
  }

  enabled(level: LogLevel): boolean {
    return RANK[level] >= RANK[this.level];
  }

  write(level: LogLevel, msg: string, fields: LogFields = {}): void {
    if (!this.enabled(level)) return;
    this.sink(`${JSON.stringify({ time: new Date().toISOString(), level, msg, ...this.base, ...fields })}\n`);
  }

  debug(message: unknown, context?: string): void {
    this.write('debug', text(message), context ? { context } : {});
  }
  verbose(message: unknown, context?: string): void {
    this.debug(message, context);
  }
  log(message: unknown, context?: string): void {
    this.write(
      context && NEST_CHATTER.has(context) ? 'debug' : 'info',
      text(message),
      context ? { context } : {},
    );
  }
  warn(message: unknown, context?: string): void {
    this.write('warn', text(message), context ? { context } : {});
  }
  // Nest passes (message, stack, context); the stack goes to the log, never to a client.
  error(message: unknown, stackOrContext?: string, context?: string): void {
    const fields: LogFields = context
      ? { context, stack: stackOrContext }
      : stackOrContext
        ? { context: stackOrContext }
        : {};
    this.write('error', text(message), fields);
  }
  fatal(message: unknown, context?: string): void {
    this.write('error', text(message), context ? { context } : {});
  }
}

function text(message: unknown): string {
  if (typeof message === 'string') return message;
  if (message instanceof Error) return message.message;
  return JSON.stringify(message) ?? String(message);
}

/** Injection token of the application's {@link JsonLogger}. */
export const LOGGER = Symbol('LOGGER');

/**
 * A sink for standard output that gathers the lines of one event-loop turn into one write: when
 * stdout is a file, every write is a synchronous system call, and an access-log line per request
 * would cost one each. Whatever is pending is written before the process exits.
 */
export function bufferedStdout(fd = 1): LogSink {
  let pending: string[] = [];
  const flush = () => {
    if (pending.length === 0) return;
    const text = pending.join('');
    pending = [];
    try {
      writeSync(fd, text);
    } catch {
      // Nowhere left to report a failing log write; dropping the lines beats crashing.
    }
  };
  process.on('exit', flush);
  return (line) => {
    if (pending.push(line) === 1) setImmediate(flush);
  };
}
