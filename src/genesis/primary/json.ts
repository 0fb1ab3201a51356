/**
 * JSON with exact 64-bit integers. Genesis amounts are Go uint64s (up to 1.8e19) while a JS
 * number is exact only to 2^53, so JSON.parse would silently round them and a rebuilt genesis would
 * hash differently. Integer literals outside the safe range parse as bigint; bigints serialize as
 * bare digits. Output formatting matches JSON.stringify(value, null, indent) exactly, so files
 * written by Go's json.MarshalIndent-style tools round-trip byte for byte.
 */

export type JsonValue = null | boolean | number | bigint | string | JsonValue[] | { [key: string]: JsonValue };

export class JsonSyntaxError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(`${message} at offset ${offset}`);
    this.name = 'JsonSyntaxError';
  }
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
// biome-ignore lint/suspicious/noControlCharactersInRegex: JSON forbids raw control characters in strings; this class names them
const STRING = /"(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"/y;
const WHITESPACE = /[ \t\n\r]*/y;

export function parseJson(text: string): JsonValue {
  let at = 0;

  const skip = (): void => {
    WHITESPACE.lastIndex = at;
    WHITESPACE.exec(text);
    at = WHITESPACE.lastIndex;
  };

  const literal = (word: string, value: JsonValue): JsonValue => {
    if (!text.startsWith(word, at)) throw new JsonSyntaxError('unexpected token', at);
    at += word.length;
    return value;
  };

  /** At a container's start: true (consumed) when it closes at once, so an empty one needs no element. */
  const closesAtOnce = (closer: '}' | ']'): boolean => {
    skip();
    if (text[at] !== closer) return false;
    at++;
    return true;
  };

  /** After a member or element: true at the closer, false at a comma (either consumed); anything else is refused. */
  const closesAfterItem = (closer: '}' | ']'): boolean => {
    skip();
    if (text[at] === ',') {
      at++;
      return false;
    }
    if (text[at] === closer) {
      at++;
      return true;
    }
    throw new JsonSyntaxError(`expected "," or "${closer}"`, at);
  };

  const value = (depth: number): JsonValue => {
    if (depth > 512) throw new JsonSyntaxError('nesting too deep', at);
    skip();
    const c = text[at];
    if (c === '{') {
      at++;
      const out: { [key: string]: JsonValue } = {};
      if (closesAtOnce('}')) return out;
      for (;;) {
        skip();
        if (text[at] !== '"') throw new JsonSyntaxError('expected a string key', at);
        const key = string();
        skip();
        if (text[at] !== ':') throw new JsonSyntaxError('expected ":"', at);
        at++;
        // Go's decoder keeps the last duplicate; refusing is safer than guessing which one counts.
        if (Object.hasOwn(out, key)) throw new JsonSyntaxError(`duplicate key ${JSON.stringify(key)}`, at);
        Object.defineProperty(out, key, { value: value(depth + 1), enumerable: true, writable: true, configurable: true });
        if (closesAfterItem('}')) return out;
      }
    }
    if (c === '[') {
      at++;
      const out: JsonValue[] = [];
      if (closesAtOnce(']')) return out;
      for (;;) {
        out.push(value(depth + 1));
        if (closesAfterItem(']')) return out;
      }
    }
    if (c === '"') return string();
    if (c === 't') return literal('true', true);
    if (c === 'f') return literal('false', false);
    if (c === 'n') return literal('null', null);
    NUMBER.lastIndex = at;
    const m = NUMBER.exec(text);
    if (!m) throw new JsonSyntaxError('unexpected token', at);
    at = NUMBER.lastIndex;
    const token = m[0];
    if (/^-?\d+$/.test(token)) {
      const n = Number(token);
      return Number.isSafeInteger(n) ? n : BigInt(token);
    }
    return Number(token);
  };

  const string = (): string => {
    STRING.lastIndex = at;
    const m = STRING.exec(text);
    if (!m) throw new JsonSyntaxError('malformed string', at);
    at = STRING.lastIndex;
    return JSON.parse(m[0]) as string;
  };

  const result = value(0);
  skip();
  if (at !== text.length) throw new JsonSyntaxError('trailing characters', at);
  return result;
}

/** JSON.stringify(value, null, indent) plus bigint support; keys keep their insertion order. */
export function stringifyJson(value: unknown, indent: string | number = '\t'): string {
  const unit = typeof indent === 'number' ? ' '.repeat(Math.min(10, indent)) : indent.slice(0, 10);

  const write = (v: unknown, pad: string): string | undefined => {
    if (v === null) return 'null';
    switch (typeof v) {
      case 'bigint':
        return v.toString();
      case 'number':
        if (!Number.isFinite(v)) throw new Error(`cannot write ${v} as JSON`);
        return JSON.stringify(v);
      case 'string':
      case 'boolean':
        return JSON.stringify(v);
      case 'undefined':
      case 'function':
      case 'symbol':
        return undefined;
    }
    const inner = pad + unit;
    const open = unit ? `\n${inner}` : '';
    const sep = unit ? `,\n${inner}` : ',';
    const close = unit ? `\n${pad}` : '';
    if (Array.isArray(v)) {
      if (v.length === 0) return '[]';
      return `[${open}${v.map((item) => write(item, inner) ?? 'null').join(sep)}${close}]`;
    }
    const parts: string[] = [];
    for (const [key, item] of Object.entries(v as Record<string, unknown>)) {
      const text = write(item, inner);
      if (text !== undefined) parts.push(`${JSON.stringify(key)}:${unit ? ' ' : ''}${text}`);
    }
    if (parts.length === 0) return '{}';
    return `{${open}${parts.join(sep)}${close}}`;
  };

  const out = write(value, '');
  if (out === undefined) throw new Error('cannot write undefined as JSON');
  return out;
}
