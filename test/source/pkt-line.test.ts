import { describe, expect, it } from 'vitest';
import { FlushScanner, pktLine } from '../../src/source/pkt-line.js';

describe('pkt-line framing', () => {
  it('finds the end of the first flush across chunks, not a 0000 inside a packet', () => {
    const message = Buffer.concat([pktLine('version 2\n'), pktLine('fetch=0000\n'), Buffer.from('0001'), Buffer.from('0000'), Buffer.from('rest')]);
    const scanner = new FlushScanner();
    const cut = message.indexOf('0000rest') + 4;
    let seen = 0;
    let end: number | undefined;
    for (const size of [3, 7, 1, 100]) {
      const chunk = message.subarray(seen, seen + size);
      end = scanner.push(chunk);
      if (end !== undefined) {
        expect(seen + end).toBe(cut);
        break;
      }
      seen += chunk.length;
    }
    expect(end).toBeDefined();
  });

  it('refuses what is not pkt-line framing (a shell banner)', () => {
    expect(() => new FlushScanner().push(Buffer.from('Welcome to the server\n'))).toThrow(/malformed pkt-line length/);
  });
});
