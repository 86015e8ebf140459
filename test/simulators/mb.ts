/** Test helpers around modbus-serial, the independent Modbus master used against the simulator. */
import { Socket } from 'node:net';
import mb from 'modbus-serial';

export type Master = InstanceType<typeof mb.default>;

export async function tcpMaster(port: number, unit = 1, timeoutMs = 500): Promise<Master> {
  const c = new mb.default();
  await c.connectTCP('127.0.0.1', { port });
  c.setID(unit);
  c.setTimeout(timeoutMs);
  return c;
}

export function closeMaster(c: Master): Promise<void> {
  return new Promise((resolve) => {
    if (!c.isOpen) resolve();
    else c.close(() => resolve());
  });
}

/** modbus-serial rejects with Errors (exceptions) or plain objects (timeouts): normalise. */
export async function failure(
  p: Promise<unknown>,
): Promise<{ message: string; modbusCode?: number; name?: string }> {
  try {
    await p;
  } catch (e) {
    const o = e as { message?: unknown; modbusCode?: number; name?: string };
    return { message: String(o.message ?? e), modbusCode: o.modbusCode, name: o.name };
  }
  throw new Error('expected the request to fail');
}

/** MBAP frame for a raw PDU (to send requests a well-behaved client never sends). */
export function mbap(tid: number, unit: number, pdu: number[], protocol = 0): Buffer {
  const out = Buffer.alloc(7 + pdu.length);
  out.writeUInt16BE(tid, 0);
  out.writeUInt16BE(protocol, 2);
  out.writeUInt16BE(pdu.length + 1, 4);
  out[6] = unit;
  Buffer.from(pdu).copy(out, 7);
  return out;
}

/** A raw TCP connection that collects whatever the server sends. */
export async function rawTcp(
  port: number,
): Promise<{ send(b: Buffer): void; received(): Buffer; close(): void; closed(): boolean }> {
  const s = new Socket();
  let got = Buffer.alloc(0);
  let closed = false;
  s.on('data', (d: Buffer) => {
    got = Buffer.concat([got, d]);
  });
  s.on('close', () => {
    closed = true;
  });
  s.on('error', () => {});
  await new Promise<void>((resolve, reject) => {
    s.once('error', reject);
    s.connect(port, '127.0.0.1', () => resolve());
  });
  return {
    send: (b) => s.write(b),
    received: () => got,
    close: () => s.destroy(),
    closed: () => closed,
  };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
