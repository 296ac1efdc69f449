import { pino, type Logger, type LoggerOptions } from 'pino';

export type { Logger } from 'pino';

export type LogFormat = 'json' | 'pretty';

export interface LoggerConfig {
  /** `json` (default, for the agent and log collectors) or `pretty` (for people at a terminal). */
  format?: LogFormat;
  level?: string;
  /** Where log lines go; defaults to stdout for JSON and stderr for pretty output. */
  destination?: NodeJS.WritableStream;
}

/**
 * Paths pino censors before a line is written. Secret data, credentials and auth headers never
 * reach a log sink, whichever part of ferry logged the object.
 */
export const REDACTED_PATHS = [
  'password',
  'token',
  'bearerToken',
  'credentials',
  'secret',
  '*.password',
  '*.token',
  '*.bearerToken',
  '*.credentials',
  '*.secret',
  'headers.authorization',
  'headers.Authorization',
  '*.headers.authorization',
  '*.headers.Authorization',
  'object.data',
  'object.stringData',
  '*.object.data',
  '*.object.stringData',
  'secretData',
];

/** Creates the process logger. */
export function createLogger(config: LoggerConfig = {}): Logger {
  const options: LoggerOptions = {
    level: config.level ?? process.env.FERRY_LOG_LEVEL ?? 'info',
    base: { app: 'ferry' },
    redact: { paths: REDACTED_PATHS, censor: '***' },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  if (config.format === 'pretty') {
    return pino(options, createPrettyStream(config.destination ?? process.stderr));
  }
  return config.destination ? pino(options, config.destination) : pino(options);
}

/**
 * A synchronous human-readable stream. pino-pretty is a development dependency, so the runtime
 * image may not have it: fall back to a compact built-in formatter.
 */
function createPrettyStream(out: NodeJS.WritableStream): NodeJS.WritableStream {
  const levelNames: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
  const omitted = new Set(['level', 'time', 'msg', 'pid', 'hostname', 'app']);
  return {
    write(chunk: string) {
      try {
        const line = JSON.parse(chunk) as Record<string, unknown>;
        const extras = Object.entries(line)
          .filter(([key]) => !omitted.has(key))
          .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`)
          .join(' ');
        out.write(`${levelNames[line.level as number] ?? 'LOG'} ${String(line.msg ?? '')}${extras ? ` ${extras}` : ''}\n`);
      } catch {
        out.write(chunk);
      }
      return true;
    },
  } as unknown as NodeJS.WritableStream;
}

/** A logger that writes nothing: the default for library code called from tests. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
