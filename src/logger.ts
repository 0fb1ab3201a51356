import { pino, type DestinationStream, type Logger } from 'pino';
import { redactCredentials, scrubText } from './logRedaction.js';

/**
 * Credential-bearing fields are censored wherever they appear in a log record, at any depth
 * (src/logRedaction.ts); RPC URLs are logged only through `redactUrl` (chains/evm/rpc.ts), which
 * drops user info (credentials live there). `destination` replaces stdout (tests read the records).
 */
export function createLogger(name = 'regenesis', destination?: DestinationStream): Logger {
  const pretty = destination === undefined && process.stdout.isTTY && process.env.LOG_FORMAT !== 'json';
  const options = {
    name,
    level: process.env.LOG_LEVEL ?? 'info',
    formatters: { log: (record: Record<string, unknown>) => redactCredentials(record) as Record<string, unknown> },
    serializers: {
      // Errors are already plain, censored records here; pino's error serializer would take them
      // for errors again and print their type as "Object".
      err: (err: unknown) => err,
      msg: (msg: unknown) => (typeof msg === 'string' ? scrubText(msg) : msg),
    },
    transport: pretty ? { target: 'pino-pretty', options: { colorize: true } } : undefined,
  };
  const logger = destination === undefined ? pino(options) : pino(options, destination);
  // Pino runs a child's bindings through no formatter, so they are censored on the way in; children
  // inherit this `child` from their parent.
  const child = logger.child;
  logger.child = function <L extends string = never>(this: Logger, bindings: pino.Bindings, options?: pino.ChildLoggerOptions<L>) {
    return Reflect.apply(child, this, [redactCredentials(bindings), options]) as Logger<L>;
  };
  return logger;
}

export const logger = createLogger();
