/**
 * Pre-framed WebSocket text frames for broadcasts (one encoding shared by every socket).
 */
/**
 * One complete, unmasked WebSocket text frame (RFC 6455 §5.2: FIN, opcode 1, no extensions),
 * which is what a server sends when permessage-deflate is off. A broadcast builds it once and
 * writes the same bytes to every socket instead of going through ws's per-socket framing.
 */
export function wsTextFrame(text: string): Buffer {
  const len = Buffer.byteLength(text);
  const header = len < 126 ? 2 : len <= 0xffff ? 4 : 10;
  const out = Buffer.allocUnsafe(header + len);
  out[0] = 0x81;
  if (len < 126) {
    out[1] = len;
  } else if (len <= 0xffff) {
    out[1] = 126;
    out.writeUInt16BE(len, 2);
  } else {
    out[1] = 127;
    out.writeBigUInt64BE(BigInt(len), 2);
  }
  out.write(text, header, "utf8");
  return out;
}
