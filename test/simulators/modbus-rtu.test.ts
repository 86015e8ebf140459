/**
 * The RTU simulator on a real pty pair (socat), with modbus-serial as the
 * independent master, and raw serial writes for what no good master sends.
 */

import mb from 'modbus-serial';
import { SerialPort } from 'serialport';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  ModbusRtuSimulator,
  ModuleBank,
  rtuFrame,
  transactionMs,
} from '../../simulators/modbus/index.ts';
import { openPtyPair, type PtyPair, socatAvailable } from '../helpers/socat.ts';
import { closeMaster, failure, type Master, sleep } from './mb.ts';

async function rtuMaster(path: string, baudRate: number, unit = 1): Promise<Master> {
  const c = new mb.default();
  await c.connectRTUBuffered(path, { baudRate });
  c.setID(unit);
  c.setTimeout(300);
  return c;
}

describe.skipIf(!socatAvailable())('Modbus RTU simulator over a socat pty pair', () => {
  describe('with modbus-serial as master', () => {
    const bank = new ModuleBank({ profile: 'pickline-ptl-v1', addresses: [1, 2, 7] });
    let pty: PtyPair;
    let sim: ModbusRtuSimulator;
    let c: Master;

    beforeAll(async () => {
      pty = await openPtyPair();
      sim = new ModbusRtuSimulator(bank, { path: pty.a, baudRate: 115200 });
      await sim.start();
      c = await rtuMaster(pty.b, 115200);
    });
    afterAll(async () => {
      await closeMaster(c);
      await sim.stop();
      await sim.stop();
      await pty.close();
    });
    afterEach(() => {
      for (const m of bank.modules()) m.setFault(null);
      c.setID(1);
    });

    it('lights with FC16, reads back with FC03, sees a press with FC04', async () => {
      await c.writeRegisters(0, [1, 4, 12, 300]);
      expect(bank.module(1).state()).toMatchObject({
        mode: 'on',
        color: 'yellow',
        display: 12,
        seq: 300,
      });
      expect((await c.readHoldingRegisters(0, 4)).data).toEqual([1, 4, 12, 300]);
      bank.module(1).plus();
      bank.module(1).press('confirm');
      expect((await c.readInputRegisters(0, 4)).data).toEqual([1, 1, 13, 300]);
      expect(await c.writeRegister(4, 1)).toEqual({ address: 4, value: 1 });
    });

    it('answers exceptions 02 and 03 on the serial line', async () => {
      expect((await failure(c.readHoldingRegisters(50, 2))).modbusCode).toBe(2);
      expect((await failure(c.writeRegister(0, 9))).modbusCode).toBe(3);
    });

    it('an unknown unit gets no reply', async () => {
      c.setID(99);
      expect((await failure(c.readHoldingRegisters(0, 1))).message).toMatch(/timed out/i);
    });

    it('fault bad-crc: the master sees a CRC error; the write was applied', async () => {
      c.setID(7);
      bank.module(7).setFault({ kind: 'bad-crc' });
      expect((await failure(c.writeRegisters(0, [2, 1, 1, 1]))).message).toMatch(/CRC/);
      expect(bank.module(7).state().mode).toBe('blink');
    });

    it('fault silence: timeout; fault exception: code 4; fault slow: late reply', async () => {
      c.setID(2);
      bank.module(2).setFault({ kind: 'silence' });
      expect((await failure(c.readHoldingRegisters(0, 1))).message).toMatch(/timed out/i);
      bank.module(2).setFault({ kind: 'exception' });
      expect((await failure(c.readHoldingRegisters(0, 1))).modbusCode).toBe(4);
      bank.module(2).setFault({ kind: 'slow', ms: 100 });
      const t0 = performance.now();
      await c.readHoldingRegisters(0, 1);
      expect(performance.now() - t0).toBeGreaterThanOrEqual(100);
    });

    it('counts replies and exceptions', () => {
      expect(sim.counters.replies).toBeGreaterThanOrEqual(8);
      expect(sim.counters.exceptions).toBeGreaterThanOrEqual(3);
      expect(sim.counters.noReply).toBeGreaterThanOrEqual(2);
    });
  });

  describe('with raw frames', () => {
    const bank = new ModuleBank({ profile: 'pickline-ptl-v1', addresses: [1] });
    let pty: PtyPair;
    let sim: ModbusRtuSimulator;
    let port: SerialPort;
    let got: Buffer = Buffer.alloc(0);

    beforeAll(async () => {
      pty = await openPtyPair();
      sim = new ModbusRtuSimulator(bank, { path: pty.a, baudRate: 19200 });
      await sim.start();
      port = new SerialPort({ path: pty.b, baudRate: 19200, autoOpen: false });
      await new Promise<void>((res, rej) => port.open((e) => (e ? rej(e) : res())));
      port.on('data', (d: Buffer) => {
        got = Buffer.concat([got, d]);
      });
    });
    afterAll(async () => {
      if (port.isOpen) await new Promise<void>((res) => port.close(() => res()));
      await sim.stop();
      await pty.close();
    });

    it('a request with a bad CRC is counted and dropped; the next good one is answered', async () => {
      got = Buffer.alloc(0);
      const bad = rtuFrame(1, Buffer.from([3, 0, 0, 0, 1]));
      bad[7] ^= 0x01;
      port.write(bad);
      await sleep(60);
      expect(got.length).toBe(0);
      expect(sim.counters).toMatchObject({ crcErrors: 1, dropped: 1 });
      port.write(rtuFrame(1, Buffer.from([3, 0, 0, 0, 1])));
      await bank.waitFor(() => got.length >= 7, 1000, 'the FC03 reply');
      expect([...got]).toEqual([...rtuFrame(1, Buffer.from([3, 2, 0, 0]))]);
    });

    it('an unknown function code in a good frame gets exception 01 after the silence', async () => {
      got = Buffer.alloc(0);
      port.write(rtuFrame(1, Buffer.from([0x2b, 0x0e, 1, 0])));
      await bank.waitFor(() => got.length >= 5, 1000, 'the exception reply');
      expect([...got]).toEqual([...rtuFrame(1, Buffer.from([0xab, 1]))]);
    });

    it('a broadcast write is applied without reply', async () => {
      got = Buffer.alloc(0);
      port.write(rtuFrame(0, Buffer.from([6, 0, 0, 0, 3])));
      await bank.waitFor(
        () => bank.module(1).state().mode === 'fast',
        1000,
        'the broadcast to apply',
      );
      await sleep(40);
      expect(got.length).toBe(0);
    });

    it('a partial frame is dropped after the frame timeout', async () => {
      const dropped = sim.counters.dropped;
      port.write(Buffer.from([1, 3, 0]));
      await bank.waitFor(
        () => sim.counters.dropped === dropped + 1,
        1000,
        'the partial frame to be dropped',
      );
    });
  });

  describe('with wire-time emulation at 19200 baud', () => {
    const bank = new ModuleBank({ profile: 'pickline-ptl-v1', addresses: [1] });
    let pty: PtyPair;
    let sim: ModbusRtuSimulator;
    let c: Master;

    beforeAll(async () => {
      pty = await openPtyPair();
      sim = new ModbusRtuSimulator(bank, {
        path: pty.a,
        baudRate: 19200,
        emulateWireTime: true,
        responseDelayMs: 5,
      });
      await sim.start();
      c = await rtuMaster(pty.b, 19200);
    });
    afterAll(async () => {
      await closeMaster(c);
      await sim.stop();
      await pty.close();
    });

    it('each transaction takes at least the bus time of HARDWARE.md plus the module delay (lower bound only)', async () => {
      const n = 10;
      const t0 = performance.now();
      for (let i = 0; i < n; i++) await c.writeRegister(0, 1); // FC06: 8 + 8 bytes
      const fc06 = (performance.now() - t0) / n;
      expect(fc06).toBeGreaterThanOrEqual(transactionMs(19200, 8, 8) + 5); // 13.2 + 5 ms
      const t1 = performance.now();
      for (let i = 0; i < n; i++) await c.writeRegisters(0, [1, 2, 3, i]); // FC16×4: 17 + 8 bytes
      expect((performance.now() - t1) / n).toBeGreaterThanOrEqual(transactionMs(19200, 17, 8) + 5);
    });
  });
});
