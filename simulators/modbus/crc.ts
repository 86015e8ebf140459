/**
 * CRC-16/MODBUS (poly 0xA001 reflected, init 0xFFFF), as defined in the
 * "MODBUS over Serial Line" specification v1.02, §6.2.2. The CRC is sent low
 * byte first, after the PDU.
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

export function crc16(buf: Uint8Array): number {
  let crc = 0xffff;
  for (const b of buf) crc = (crc >>> 8) ^ TABLE[(crc ^ b) & 0xff];
  return crc;
}

/** `unit + pdu + CRC(lo, hi)`: one RTU application data unit. */
export function rtuFrame(unit: number, pdu: Buffer): Buffer {
  const out = Buffer.alloc(pdu.length + 3);
  out[0] = unit;
  pdu.copy(out, 1);
  out.writeUInt16LE(crc16(out.subarray(0, out.length - 2)), out.length - 2);
  return out;
}

/** True when the last two bytes are the CRC of the rest. */
export function crcOk(frame: Buffer): boolean {
  if (frame.length < 4) return false;
  return frame.readUInt16LE(frame.length - 2) === crc16(frame.subarray(0, frame.length - 2));
}
