import { C_GENESIS_PLACEHOLDER } from './embed.js';

/**
 * The reverse of writeWithEmbeddedGenesis: a primary genesis read as it streams by, split into the
 * document with its top-level cChainGenesis string replaced by the builder's placeholder (small
 * enough for parsePrimaryGenesis) and that string's decoded text, handed to `onEmbedded` piece by
 * piece (the whole C-Chain state: never held). Nested members of the same name are left alone.
 */

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

  /**
   * Decodes the embedded string from `start`; returns where it stopped (after its closing quote, or
   * the chunk's end). The text up to the closing quote, or up to the chunk's end less an escape cut
   * there (kept for the next chunk), is decoded by JSON.parse in one call, not escape by escape.
   */
  private embedded(chunk: string, start: number): number {
    const carried = this.escape.length;
    const text = this.escape + chunk.slice(start);
    const close = unescapedQuote(text);
    const whole = close >= 0 ? close : endOfWholeEscapes(text);
    this.escape = close >= 0 ? '' : text.slice(whole);
    if (whole > 0) this.onEmbedded(this.decode(text.slice(0, whole)));
    if (close < 0) return chunk.length;
    this.mode = 'json';
    // Past the closing quote, in the chunk: `text` began with the carried escape.
    return start + close - carried + 1;
  }

  /** The text of a piece of the embedded string (whole escapes only), or why it is not JSON string text. */
  private decode(piece: string): string {
    try {
      return JSON.parse(`"${piece}"`) as string;
    } catch (err) {
      // JSON.parse counts from the piece's start (with the quote added): quote the text instead.
      const at = Number(/position (\d+)/.exec((err as Error).message)?.[1] ?? 1) - 1;
      const near = JSON.stringify(piece.slice(Math.max(0, at - 16), at + 16));
      throw new Error(`its ${this.member} string is not JSON string text near ${near} (${(err as Error).message.replace(/ at position \d+.*$/, '')})`);
    }
  }
}

/** Backslashes right before `at` in `text`. */
function backslashesBefore(text: string, at: number): number {
  let n = 0;
  while (at - n - 1 >= 0 && text.charCodeAt(at - n - 1) === 0x5c) n++;
  return n;
}

/** The first quote of `text` that is not escaped (an even run of backslashes before it), or -1. */
function unescapedQuote(text: string): number {
  for (let q = text.indexOf('"'); q >= 0; q = text.indexOf('"', q + 1)) if (backslashesBefore(text, q) % 2 === 0) return q;
  return -1;
}

/** Where `text` ends less an escape cut at its end (`\`, or `\u` with fewer than four digits). */
function endOfWholeEscapes(text: string): number {
  if (backslashesBefore(text, text.length) % 2 === 1) return text.length - 1;
  const u = text.lastIndexOf('\\u');
  if (u >= 0 && u > text.length - 6 && backslashesBefore(text, u) % 2 === 0) return u;
  return text.length;
}
