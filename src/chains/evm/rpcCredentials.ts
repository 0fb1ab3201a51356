import { readFileSync } from 'node:fs';
import { z } from 'zod';

/**
 * Credentials for authenticated node endpoints (RPC and admin APIs) come from the worker's
 * environment, never from a plan: plans travel through workflow histories, which every operator
 * with UI access can read. One JSON object maps an endpoint origin to the headers to send:
 *
 *   REGENESIS_RPC_CREDENTIALS='{"https://rpc.example:8545": {"authorization": "Bearer …"}}'
 *   REGENESIS_RPC_CREDENTIALS_FILE=/run/secrets/rpc-credentials.json   (same shape, in a file)
 *
 * Errors name the variable and the origin, never a value.
 */
const CREDENTIALS_ENV = 'REGENESIS_RPC_CREDENTIALS';
const CREDENTIALS_FILE_ENV = 'REGENESIS_RPC_CREDENTIALS_FILE';

const headerName = z.string().regex(/^[A-Za-z0-9-]+$/, 'not an HTTP header name');
const headerValue = z
  .string()
  .min(1)
  .max(8192)
  .regex(/^[\t\x20-\x7e]*$/, 'not a printable header value');
const credentialsSchema = z.record(z.string(), z.record(headerName, headerValue));

export class RpcCredentialsError extends Error {
  override readonly name = 'RpcCredentialsError';
}

function parse(text: string, source: string): Map<string, Record<string, string>> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new RpcCredentialsError(`${source}: not valid JSON`);
  }
  const parsed = credentialsSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    // The path holds the origin and header name, never the secret itself.
    throw new RpcCredentialsError(`${source}.${issue.path.map(String).join('.')}: ${issue.message}`);
  }
  const out = new Map<string, Record<string, string>>();
  for (const [endpoint, headers] of Object.entries(parsed.data)) {
    let origin: string;
    try {
      origin = new URL(endpoint).origin;
    } catch {
      throw new RpcCredentialsError(`${source}: "${endpoint}" is not an endpoint URL`);
    }
    out.set(origin, Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v])));
  }
  return out;
}

/** The credentials configured in `env`, by endpoint origin. */
export function loadRpcCredentials(env: NodeJS.ProcessEnv = process.env): Map<string, Record<string, string>> {
  const merged = new Map<string, Record<string, string>>();
  const file = env[CREDENTIALS_FILE_ENV];
  if (file) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw new RpcCredentialsError(`${CREDENTIALS_FILE_ENV}: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
    }
    for (const [origin, headers] of parse(text, CREDENTIALS_FILE_ENV)) merged.set(origin, headers);
  }
  const inline = env[CREDENTIALS_ENV];
  if (inline) for (const [origin, headers] of parse(inline, CREDENTIALS_ENV)) merged.set(origin, headers);
  return merged;
}

let cached: Map<string, Record<string, string>> | undefined;

/** Headers to send to `url`'s origin (empty when none are configured). Read once per process. */
export function credentialHeadersFor(url: URL): Record<string, string> {
  cached ??= loadRpcCredentials();
  return cached.get(url.origin) ?? {};
}
