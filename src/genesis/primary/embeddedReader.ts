import { C_GENESIS_PLACEHOLDER } from './embed.js';

/**
 * The reverse of writeWithEmbeddedGenesis: a primary genesis read as it streams by, split into the
 * document with its top-level cChainGenesis string replaced by the builder's placeholder (small
 * enough for parsePrimaryGenesis) and that string's decoded text, handed to `onEmbedded` piece by
 * piece (the whole C-Chain state: never held). Nested members of the same name are left alone.
 */

const ESCAPES: Readonly<Record<string, string>> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
const QUOTE_OR_BACKSLASH = /["\\]/g;

export class EmbeddedGenesisReader {
  private readonly outer: string[] = [];
  private mode: 'json' | 'string' | 'embedded' = 'json';
  private depth = 0;
  /** At depth 1 of the top-level object, whether the next string is a member name. */
  private expectName = false;
  private name: string | undefined;
  private lastName = '';
  private escaped = false;
  /** An escape sequence of the embedded string cut by a chunk boundary. */
  private escape = '';
  private found = false;

  constructor(
    private readonly onEmbedded: (text: string) => void,
    private readonly member = 'cChainGenesis',
  ) {}

  write(chunk: string): void {
    let copyFrom = 0;
    let i = 0;
    while (i < chunk.length) {
      if (this.mode === 'embedded') {
        i = this.embedded(chunk, i);
        copyFrom = i;
      } else if (this.mode === 'string') {
        this.stringChar(chunk[i]!);
        i += 1;
      } else {
        if (chunk[i] === '"' && this.depth === 1 && !this.expectName && this.lastName === this.member) {
          this.outer.push(chunk.slice(copyFrom, i), JSON.stringify(C_GENESIS_PLACEHOLDER));
          this.mode = 'embedded';
          this.found = true;
        } else this.jsonChar(chunk[i]!);
        i += 1;
      }
    }
    if (this.mode !== 'embedded') this.outer.push(chunk.slice(copyFrom));
  }

  /** The document without the embedded genesis; throws unless it was whole and had the member. */
  end(): string {
    if (this.mode !== 'json' || this.depth !== 0)
      throw new Error(`the document ends inside ${this.mode === 'embedded' ? `its ${this.member} string` : 'a value'}`);
    if (!this.found) throw new Error(`the document has no top-level ${this.member} string`);
    return this.outer.join('');
  }

  private jsonChar(c: string): void {
    if (c === '"') {
      this.mode = 'string';
      this.name = this.depth === 1 && this.expectName ? '' : undefined;
    } else if (c === '{' || c === '[') {
      this.depth += 1;
      if (this.depth === 1) this.expectName = c === '{';
    } else if (c === '}' || c === ']') {
      this.depth -= 1;
    } else if (this.depth === 1 && (c === ':' || c === ',')) {
      this.expectName = c === ',';
    }
  }

  private stringChar(c: string): void {
    if (this.escaped) this.escaped = false;
    else if (c === '\\') this.escaped = true;
    else if (c === '"') {
      this.mode = 'json';
      if (this.name !== undefined) this.lastName = JSON.parse(`"${this.name}"`) as string;
      this.name = undefined;
      return;
    }
    if (this.name !== undefined) this.name += c;
  }

  /** Decodes the embedded string from `start`; returns where it stopped (after its closing quote, or the chunk's end). */
  private embedded(chunk: string, start: number): number {
    let text = '';
    let i = start;
    while (i < chunk.length) {
      if (this.escape !== '') {
        this.escape += chunk[i];
        i += 1;
        const decoded = decodeEscape(this.escape);
        if (decoded !== undefined) {
          text += decoded;
          this.escape = '';
        }
        continue;
      }
      QUOTE_OR_BACKSLASH.lastIndex = i;
      const next = QUOTE_OR_BACKSLASH.exec(chunk)?.index ?? chunk.length;
      text += chunk.slice(i, next);
      i = next;
      if (i === chunk.length) break;
      i += 1;
      if (chunk[i - 1] === '"') {
        this.mode = 'json';
        break;
      }
      this.escape = '\\';
    }
    if (text !== '') this.onEmbedded(text);
    return i;
  }
}

/** The character of a JSON escape (`\n`, `\u00e9`, …), or undefined while it is still incomplete. */
function decodeEscape(sequence: string): string | undefined {
  const kind = sequence[1];
  if (kind === undefined) return undefined;
  if (kind !== 'u') {
    const decoded = ESCAPES[kind];
    if (decoded === undefined) throw new Error(`not a JSON escape: ${JSON.stringify(sequence)}`);
    return decoded;
  }
  if (sequence.length < 6) return undefined;
  const hex = sequence.slice(2, 6);
  if (!/^[0-9a-fA-F]{4}$/.test(hex)) throw new Error(`not a JSON escape: ${JSON.stringify(sequence)}`);
  // A surrogate half on its own: the other half follows, and the two meet again in the decoded text.
  return String.fromCharCode(parseInt(hex, 16));
}
