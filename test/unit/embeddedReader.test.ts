import { describe, expect, it } from 'vitest';
import { C_GENESIS_PLACEHOLDER } from '../../src/genesis/primary/embed.js';
import { EmbeddedGenesisReader } from '../../src/genesis/primary/embeddedReader.js';

/** What the reader hands back of `document` fed in pieces of `piece` characters: the outer document and the embedded text. */
function read(document: string, piece: number): { outer: string; embedded: string } {
  let embedded = '';
  const reader = new EmbeddedGenesisReader((text) => {
    embedded += text;
  });
  for (let i = 0; i < document.length; i += piece) reader.write(document.slice(i, i + piece));
  return { outer: reader.end(), embedded };
}

// Every kind of escape JSON.stringify writes, a \u escape (control character), an escaped
// backslash before a quote and before a `u`, non-ASCII text and a surrogate pair.
const C_GENESIS = `{"config":{"chainId":43114},"alloc":{\n"0xab":{"balance":"0x1"},\n"0xcd":{"balance":"0x2"}\n}}\n\\"\\u0041\t\u0001 é 𝔊 "x"`;

describe('EmbeddedGenesisReader', () => {
  it('hands back the embedded string decoded and the document around it, for pieces cut anywhere', () => {
    const document = JSON.stringify({ networkID: 5, cChainGenesis: C_GENESIS, nested: { cChainGenesis: 'left alone' }, message: 'a "quoted" \\ note' });
    const outer = JSON.parse(document) as Record<string, unknown>;
    outer.cChainGenesis = C_GENESIS_PLACEHOLDER;
    for (const piece of [1, 2, 3, 5, 6, 7, 64, 1 << 16]) {
      const got = read(document, piece);
      expect(got.embedded, `piece ${piece}`).toBe(C_GENESIS);
      expect(JSON.parse(got.outer), `piece ${piece}`).toEqual(outer);
    }
  });

  it('refuses an embedded string that is not JSON string text, naming the member', () => {
    const document = `{"networkID":5,"cChainGenesis":"{\\"alloc\\":\\x41}"}`;
    expect(() => read(document, 1 << 16)).toThrow(/its cChainGenesis string is not JSON string text near ".*x41\}" \(Bad escaped character in JSON\)$/);
  });

  it('refuses a document that ends inside the embedded string, or has none', () => {
    expect(() => read('{"networkID":5,"cChainGenesis":"{\\"alloc\\":{}', 4)).toThrow(/ends inside its cChainGenesis string/);
    expect(() => read('{"networkID":5}', 4)).toThrow(/has no top-level cChainGenesis string/);
  });
});
