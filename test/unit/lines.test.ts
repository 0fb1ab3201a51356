import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../src/dev/mulberry32.js';
import { LineSplitter } from '../../src/state/lines.js';

// The one line splitter of the JSONL readers: readline's line breaks (\n, \r\n, a lone \r),
// wherever the chunks happen to end, with empty lines skipped but counted.

/** The lines of `text` as the readers had them before they shared a splitter: [line number, text], empty ones left out. */
function reference(text: string): Array<[number, string]> {
  const lines = text.split(/\r?\n|\r(?!\n)/);
  if (lines.length > 1 && lines[lines.length - 1] === '') lines.pop();
  return lines.flatMap((line, i): Array<[number, string]> => (line === '' ? [] : [[i + 1, line]]));
}

function split(text: string, cuts: number[]): Array<[number, string]> {
  const out: Array<[number, string]> = [];
  const splitter = new LineSplitter((buf, start, end, lineNo) => out.push([lineNo, buf.toString('utf8', start, end)]));
  const bytes = Buffer.from(text);
  let from = 0;
  for (const cut of [...cuts, bytes.length]) {
    if (cut > from) splitter.push(Buffer.from(bytes.subarray(from, cut)));
    from = Math.max(from, cut);
  }
  splitter.finish();
  return out;
}

describe('LineSplitter', () => {
  it('splits as readline does, across any chunk boundaries', () => {
    const next = mulberry32(5);
    const alphabet = ['a', 'b', '{}', '\n', '\r', '\r\n', 'é', ''];
    for (let round = 0; round < 500; round++) {
      const text = Array.from({ length: next() % 30 }, () => alphabet[next() % alphabet.length]).join('');
      const length = Buffer.byteLength(text);
      const cuts = Array.from({ length: next() % 5 }, () => next() % (length + 1)).sort((a, b) => a - b);
      expect(split(text, cuts), JSON.stringify({ text, cuts })).toEqual(reference(text));
    }
  });

  it('counts empty lines in the numbering and ends a last line without a break', () => {
    expect(split('a\n\nb\r\n\r\nc\rd', [3, 6])).toEqual([
      [1, 'a'],
      [3, 'b'],
      [5, 'c'],
      [6, 'd'],
    ]);
  });
});
