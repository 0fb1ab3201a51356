/**
 * Sequential reads of avalanchego's linear codec: big-endian fixed-width integers and byte runs,
 * no length prefixes of its own. Every read checks the remaining length first, so truncated input
 * fails naming the byte offset instead of reading past the end; `done` refuses trailing bytes,
 * which would mean the decoder and the node disagree about the layout.
 */
export class CodecReader {
  private offset = 0;
  private readonly view: DataView;
  constructor(
    private readonly bytes: Uint8Array,
    private readonly what: string,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  private need(n: number): void {
    if (this.offset + n > this.bytes.length) {
      throw new Error(`${this.what}: truncated at byte ${this.offset} (need ${n} more of ${this.bytes.length})`);
    }
  }
  u16(): number {
    this.need(2);
    const v = this.view.getUint16(this.offset);
    this.offset += 2;
    return v;
  }
  u32(): number {
    this.need(4);
    const v = this.view.getUint32(this.offset);
    this.offset += 4;
    return v;
  }
  u64(): bigint {
    this.need(8);
    const v = this.view.getBigUint64(this.offset);
    this.offset += 8;
    return v;
  }
  fixed(n: number): Uint8Array {
    this.need(n);
    const v = this.bytes.subarray(this.offset, this.offset + n);
    this.offset += n;
    return v;
  }
  done(): void {
    if (this.offset !== this.bytes.length) {
      throw new Error(`${this.what}: ${this.bytes.length - this.offset} unexpected trailing bytes`);
    }
  }
}
