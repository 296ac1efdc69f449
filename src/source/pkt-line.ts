/**
 * Git's pkt-line framing (gitprotocol-common(5)): four hex digits of length, then the data;
 * `0000` flush, `0001` delimiter, `0002` response end. Over HTTP a response ends with its body;
 * over SSH upload-pack keeps the channel open between messages, so the transport reads the
 * framing to know where the advertisement and a protocol v2 answer end.
 */

export const FLUSH = Buffer.from('0000');

/** One pkt-line holding `text`. */
export function pktLine(text: string): Buffer {
  const data = Buffer.from(text);
  return Buffer.concat([Buffer.from((data.length + 4).toString(16).padStart(4, '0')), data]);
}

/**
 * Follows pkt-line framing across chunks and says where the first flush ends, so a stream can
 * be cut right after it. `push` returns the length of the chunk's part up to and including that
 * flush, or undefined while it has not come.
 */
export class FlushScanner {
  /** Bytes of the current packet's data still to come. */
  private remaining = 0;
  /** Header digits seen so far of the next packet. */
  private header = '';

  push(chunk: Buffer): number | undefined {
    let at = 0;
    while (at < chunk.length) {
      if (this.remaining > 0) {
        const take = Math.min(this.remaining, chunk.length - at);
        this.remaining -= take;
        at += take;
        continue;
      }
      const take = Math.min(4 - this.header.length, chunk.length - at);
      this.header += chunk.subarray(at, at + take).toString('latin1');
      at += take;
      if (this.header.length < 4) continue;
      const digits = this.header;
      this.header = '';
      if (!/^[0-9a-f]{4}$/i.test(digits)) throw new Error(`malformed pkt-line length "${digits}"`);
      const length = Number.parseInt(digits, 16);
      if (length === 0) return at;
      // 0001 and 0002 carry no data; anything else counts its own four digits.
      if (length >= 4) this.remaining = length - 4;
    }
    return undefined;
  }
}
