import { pino, type Logger } from 'pino';

/**
 * Credential-bearing fields are redacted wherever they appear in a log object; RPC URLs are logged
 * only through `redactUrl` (chains/evm/rpc.ts), which drops user info (credentials live there).
 */
export const REDACT_PATHS = [
  'password',
  'passphrase',
  'secret',
  'token',
  'apiKey',
  'authorization',
  'privateKey',
  '*.password',
  '*.passphrase',
  '*.secret',
  '*.token',
  '*.apiKey',
  '*.authorization',
  '*.privateKey',
  'headers.authorization',
];

export function createLogger(name = 'regenesis'): Logger {
  const pretty = process.stdout.isTTY && process.env.LOG_FORMAT !== 'json';
  return pino({
    name,
    level: process.env.LOG_LEVEL ?? 'info',
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    transport: pretty ? { target: 'pino-pretty', options: { colorize: true } } : undefined,
  });
}

export const logger = createLogger();
