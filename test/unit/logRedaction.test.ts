import { describe, expect, it } from 'vitest';
import { RpcResponseError } from '../../src/chains/evm/rpc.js';
import { createLogger } from '../../src/logger.js';

// Distinct values, so a leak names the place it came from.
const SECRET = 'tok-5f0c2a9d71e3';

/** A logger writing to memory; `records()` parses what it wrote, `raw()` is the text itself. */
function memoryLogger() {
  const lines: string[] = [];
  const logger = createLogger('test', { write: (line: string) => void lines.push(line) });
  return {
    logger,
    raw: () => lines.join(''),
    records: (): any[] => lines.map((line) => JSON.parse(line)),
  };
}

describe('log redaction', () => {
  it('censors a credential five levels down and keeps its neighbours', () => {
    const log = memoryLogger();
    log.logger.info({ run: 'r-1', a: { b: { c: { d: { e: { token: SECRET, chain: 'C' } } } } } }, 'deep');
    expect(log.raw()).not.toContain(SECRET);
    const [record] = log.records();
    expect(record.run).toBe('r-1');
    expect(record.a.b.c.d.e).toEqual({ token: '[redacted]', chain: 'C' });
  });

  it('censors fields inside an error cause chain, keeping messages and stacks', () => {
    const log = memoryLogger();
    const refused = Object.assign(new Error('provider refused the key'), { status: 401, request: { auth: { apiKey: SECRET } } });
    const fetchFailed = new Error('fetch failed', { cause: refused });
    const exportFailed = Object.assign(new Error('export failed', { cause: fetchFailed }), {
      chain: 'C',
      password: SECRET,
      request: { headers: { authorization: `Bearer ${SECRET}` } },
    });
    log.logger.error(exportFailed);
    log.logger.warn({ err: exportFailed }, 'retrying');
    expect(log.raw()).not.toContain(SECRET);
    for (const { err, msg } of log.records()) {
      expect(msg).toMatch(/export failed|retrying/);
      expect(err).toMatchObject({
        type: 'Error',
        message: 'export failed',
        chain: 'C',
        password: '[redacted]',
        request: { headers: { authorization: '[redacted]' } },
      });
      expect(err.stack).toMatch(/^Error: export failed\n/);
      expect(err.cause.message).toBe('fetch failed');
      expect(err.cause.cause).toMatchObject({ message: 'provider refused the key', status: 401, request: { auth: { apiKey: '[redacted]' } } });
    }
  });

  it('censors header maps whatever the case of the header name', () => {
    const log = memoryLogger();
    const headers = { Authorization: `Bearer ${SECRET}`, 'X-Api-Key': SECRET, Cookie: `session=${SECRET}`, Accept: 'application/json' };
    log.logger.info({ request: { url: 'https://rpc.example/ext/bc/C/rpc', headers } }, 'request');
    expect(log.raw()).not.toContain(SECRET);
    expect(log.records()[0].request).toEqual({
      url: 'https://rpc.example/ext/bc/C/rpc',
      headers: { Authorization: '[redacted]', 'X-Api-Key': '[redacted]', Cookie: '[redacted]', Accept: 'application/json' },
    });
  });

  it('censors every object in an array', () => {
    const log = memoryLogger();
    log.logger.info({ keys: [{ id: 'a', password: SECRET }, { id: 'b', privateKeyHex: SECRET }, { id: 'c', secret_bytes: [SECRET] }, { id: 'd' }] }, 'keys');
    expect(log.raw()).not.toContain(SECRET);
    expect(log.records()[0].keys).toEqual([
      { id: 'a', password: '[redacted]' },
      { id: 'b', privateKeyHex: '[redacted]' },
      { id: 'c', secret_bytes: '[redacted]' },
      { id: 'd' },
    ]);
  });

  it('censors a key in an RPC error, in its fields and in the JSON text of its body', () => {
    const log = memoryLogger();
    const body = `{"jsonrpc":"2.0","id":1,"error":{"code":-32000,"message":"bad request","data":{"privateKey":"${SECRET}"}}}`;
    const err = new RpcResponseError(-32000, `bad request ${body}`, 'eth_call', 'https://rpc.example', { body, secret: SECRET, hint: 'unlock' });
    log.logger.error({ err }, 'call refused');
    log.logger.error(err);
    expect(log.raw()).not.toContain(SECRET);
    const [first, second] = log.records();
    expect(first.err).toMatchObject({ type: 'RpcResponseError', code: -32000, method: 'eth_call', data: { secret: '[redacted]', hint: 'unlock' } });
    expect(JSON.parse(first.err.data.body).error).toEqual({ code: -32000, message: 'bad request', data: { privateKey: '[redacted]' } });
    expect(second.msg).toMatch(/^eth_call failed at https:\/\/rpc\.example: bad request .*"privateKey":"\[redacted\]"/);
  });

  it('censors the bindings of child loggers, and of their children', () => {
    const log = memoryLogger();
    log.logger
      .child({ component: 'agent', token: SECRET })
      .child({ node: { id: 'n1', keys: { passphrase: SECRET } } })
      .info('ready');
    expect(log.raw()).not.toContain(SECRET);
    expect(log.records()[0]).toMatchObject({ component: 'agent', token: '[redacted]', node: { id: 'n1', keys: { passphrase: '[redacted]' } }, msg: 'ready' });
  });

  it('survives cycles and censors what lies past the depth limit rather than printing it', () => {
    const log = memoryLogger();
    const looped: Record<string, unknown> = { name: 'loop', secret: SECRET };
    looped.self = looped;
    let deep: Record<string, unknown> = { apiKey: SECRET, text: `"apiKey": "${SECRET}"` };
    for (let i = 0; i < 40; i++) deep = { next: deep };
    log.logger.info({ looped, deep }, 'odd shapes');
    expect(log.raw()).not.toContain(SECRET);
    const [record] = log.records();
    expect(record.looped).toEqual({ name: 'loop', secret: '[redacted]', self: '[circular]' });
    expect(JSON.stringify(record.deep)).toMatch(/^(\{"next":){15}"\[too deep\]"\}+$/);
  });
});
