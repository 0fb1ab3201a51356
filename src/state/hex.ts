/** 0x-prefixed lower-case hex. */
export type Hex = `0x${string}`;

export function bytesToHex(bytes: Uint8Array): Hex {
  return `0x${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex')}`;
}

export function hexToBytes(hex: string): Uint8Array {
  const body = hex.startsWith('0x') || hex.startsWith('0X') ? hex.slice(2) : hex;
  if (body.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(body)) {
    throw new Error(`not a hex byte string: ${hex.slice(0, 80)}`);
  }
  return new Uint8Array(Buffer.from(body, 'hex'));
}

/** Minimal hex quantity (JSON-RPC style): 0 → "0x0", no leading zeros. */
export function toQuantity(value: bigint): Hex {
  if (value < 0n) throw new Error(`negative quantity: ${value}`);
  return `0x${value.toString(16)}`;
}

/** Left-pads a hex value to a 32-byte word. */
export function toWord(hex: string): Hex {
  const body = (hex.startsWith('0x') ? hex.slice(2) : hex).toLowerCase();
  if (body.length > 64) throw new Error(`value longer than 32 bytes: ${hex}`);
  return `0x${body.padStart(64, '0')}`;
}
