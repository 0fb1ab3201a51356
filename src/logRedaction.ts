/**
 * Credential censoring for log records, at any depth. Credentials reach the logger buried: a token in
 * the `cause` of the `cause` of an error, an `Authorization` header in a request's header map, a key
 * in the JSON body a node sent back. Pino's own `redact` paths name fixed depths, so every record is
 * walked instead (src/logger.ts installs this as pino's `formatters.log` and `formatters.bindings`).
 */

export const CENSOR = '[redacted]';

/** Lower-cased, with `-` and `_` dropped: `X-Api-Key`, `api_key` and `apiKey` are one name. */
const CREDENTIAL_NAMES = ['password', 'passphrase', 'secret', 'token', 'apikey', 'authorization', 'privatekey', 'cookie'];

/**
 * Deeper than any record the product logs; what lies below is replaced, not printed, since it was
 * not looked at.
 */
const MAX_DEPTH = 16;

/**
 * A field whose name holds a credential's (`accessToken`, `x-api-key`, `privateKeyHex`,
 * `secretBytes`): censoring a harmless `tokenCount` costs less than printing a key.
 */
export function isCredentialName(name: string): boolean {
  const normal = name.toLowerCase().replace(/[-_]/g, '');
  return CREDENTIAL_NAMES.some((credential) => normal.includes(credential));
}

// A credential-named key inside JSON text (an RPC error body kept as a string), and bearer tokens
// in free text (a header echoed into an error message).
const NAME = '[\\w-]*(?:password|passphrase|secret|token|api[-_]?key|authorization|private[-_]?key|cookie)[\\w-]*';
const JSON_PAIR = new RegExp(`("${NAME}"\\s*:\\s*)(?:"(?:[^"\\\\]|\\\\.)*"|[^\\s,}\\]]+)`, 'gi');
const BEARER = /\b(Bearer\s+)[\w.~+/=-]+/gi;

/** The text with credential values inside it censored; everything else stays. */
export function scrubText(text: string): string {
  return text.replace(JSON_PAIR, `$1"${CENSOR}"`).replace(BEARER, `$1${CENSOR}`);
}

/**
 * A copy of `value` that is safe to print: fields named like credentials censored at every depth,
 * errors turned into plain records (type, message, stack, their own fields, `cause` and aggregated
 * errors, each walked in turn), cycles cut.
 */
export function redactCredentials(value: unknown): unknown {
  return walk(value, 0, new Set());
}

function walk(value: unknown, depth: number, ancestors: Set<object>): unknown {
  if (typeof value === 'string') return scrubText(value);
  if (value === null || typeof value !== 'object') return value;
  if (ancestors.has(value)) return '[circular]';
  if (depth >= MAX_DEPTH) return '[too deep]';
  ancestors.add(value);
  try {
    if (Array.isArray(value)) return value.map((item) => walk(item, depth + 1, ancestors));
    if (value instanceof Error) return walkFields(Object.entries(errorFields(value)), depth, ancestors);
    if (value instanceof Map)
      return walkFields(
        [...value].map(([k, v]) => [String(k), v]),
        depth,
        ancestors,
      );
    if (value instanceof Set) return [...value].map((item) => walk(item, depth + 1, ancestors));
    // Dates, Buffers and anything else that says how it wants to be printed.
    const toJSON = (value as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === 'function') return walk(toJSON.call(value), depth + 1, ancestors);
    return walkFields(Object.entries(value), depth, ancestors);
  } finally {
    ancestors.delete(value);
  }
}

function walkFields(entries: Array<[string, unknown]>, depth: number, ancestors: Set<object>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, field] of entries) {
    out[key] = isCredentialName(key) && field !== undefined && field !== null ? CENSOR : walk(field, depth + 1, ancestors);
  }
  return out;
}

/** The shape pino prints errors in, plus the structured `cause` (whose fields say what went wrong). */
function errorFields(error: Error): Record<string, unknown> {
  const fields: Record<string, unknown> = { type: error.constructor?.name ?? error.name, message: error.message, stack: error.stack };
  for (const [key, field] of Object.entries(error)) if (!(key in fields)) fields[key] = field;
  if (error.cause !== undefined) fields.cause = error.cause;
  if (error instanceof AggregateError) fields.aggregateErrors = error.errors;
  return fields;
}
