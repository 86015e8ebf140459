/**
 * CRC-16/MODBUS (poly 0xA001 reflected, init 0xFFFF), appended low byte first.
 * Source: Modbus over Serial Line Specification V1.02, §6.2.2 and Appendix B.
 */
const TABLE = (() => {
  const t = new Uint16Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xa001 : c >>> 1;
    t[i] = c;
  }
  return t;
})();

export function crc16(buf: Uint8Array, start = 0, end = buf.length): number {
  let crc = 0xffff;
  for (let i = start; i < end; i++) crc = (crc >>> 8) ^ TABLE[(crc ^ buf[i]) & 0xff];
  return crc;
}

/** `unit + pdu + crc` (an RTU ADU, Modbus serial line §2.5.1). */
export function rtuFrame(unit: number, pdu: Buffer): Buffer {
  const out = Buffer.alloc(pdu.length + 3);
  out[0] = unit;
  pdu.copy(out, 1);
  out.writeUInt16LE(crc16(out, 0, pdu.length + 1), pdu.length + 1);
  return out;
}

/** True when the last two bytes are the CRC of the rest. */
export function crcOk(adu: Buffer): boolean {
  if (adu.length < 4) return false;
  return crc16(adu, 0, adu.length - 2) === adu.readUInt16LE(adu.length - 2);
}
