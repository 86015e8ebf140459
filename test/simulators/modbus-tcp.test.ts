/**
 * Every function code and exception path of the simulator over Modbus TCP,
 * checked with an independent master (modbus-serial) and raw MBAP frames.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ModbusTcpSimulator, ModuleBank } from '../../simulators/modbus/index.ts';
import { closeMaster, failure, type Master, mbap, rawTcp, sleep, tcpMaster } from './mb.ts';

describe('Modbus TCP simulator, profile pickline-ptl-v1', () => {
  const bank = new ModuleBank({ profile: 'pickline-ptl-v1', addresses: [1, 2, 3] });
  const sim = new ModbusTcpSimulator(bank, { port: 0 });
  let port = 0;
  let c: Master;

  beforeAll(async () => {
    port = (await sim.start()).port;
    c = await tcpMaster(port, 1);
  });
  afterAll(async () => {
    await closeMaster(c);
    await sim.stop();
  });
  afterEach(() => {
    for (const m of bank.modules()) m.setFault(null);
    c.setID(1);
  });

  it('FC03 reads the dark light registers: off, no colour, blank display, seq 0', async () => {
    expect((await c.readHoldingRegisters(0, 5)).data).toEqual([0, 0, 65535, 0, 0]);
  });

  it('FC16 lights a module in one write, FC03 reads it back, and the module emits change', async () => {
    const changes: string[] = [];
    const off = bank
      .module(1)
      .on('change', (s, cause) => changes.push(`${s.mode} ${s.color} ${cause}`));
    await c.writeRegisters(0, [2, 2, 5, 7]);
    off();
    expect(bank.module(1).state()).toEqual({
      mode: 'blink',
      color: 'green',
      display: 5,
      seq: 7,
      lamp: true,
      buzzer: false,
    });
    expect((await c.readHoldingRegisters(0, 4)).data).toEqual([2, 2, 5, 7]);
    expect(changes).toEqual(['blink green master']);
  });

  it('FC06 writes one register (buzzer) and replies with an echo', async () => {
    expect(await c.writeRegister(4, 1)).toEqual({ address: 4, value: 1 });
    expect(bank.module(1).state().buzzer).toBe(true);
    await c.writeRegister(4, 0);
  });

  it('FC04 reads events, status and identity', async () => {
    bank.module(1).setStatusBits(2);
    expect((await c.readInputRegisters(0, 5)).data).toEqual([0, 0, 0, 0, 2]);
    expect((await c.readInputRegisters(10, 4)).data).toEqual([1, 1, 0, 10_001]);
    bank.module(1).setStatusBits(0);
  });

  it('a key press shows up in the event registers read over the wire', async () => {
    c.setID(2);
    await c.writeRegisters(0, [1, 3, 4, 99]);
    bank.module(2).minus();
    bank.module(2).press('confirm');
    expect((await c.readInputRegisters(0, 4)).data).toEqual([1, 1, 3, 99]);
  });

  it('exception 01 for a function code the module lacks', async () => {
    const f = await failure(c.customFunction(0x07, []));
    expect(f.message).toMatch(/exception 1/i);
  });

  it('exception 02 for registers outside the profile map', async () => {
    expect((await failure(c.readHoldingRegisters(0, 10))).modbusCode).toBe(2);
    expect((await failure(c.readHoldingRegisters(101, 1))).modbusCode).toBe(2);
    expect((await failure(c.writeRegister(10, 1))).modbusCode).toBe(2);
    expect((await failure(c.readCoils(0, 1))).modbusCode).toBe(2); // this profile has no coils
    expect((await failure(c.writeRegister(5, 1))).modbusCode).toBe(2);
  });

  it('exception 03 for values the profile cannot encode; nothing is applied', async () => {
    c.setID(3);
    expect((await failure(c.writeRegisters(0, [1, 9, 5, 1]))).modbusCode).toBe(3); // colour 9
    expect((await failure(c.writeRegisters(0, [7, 1, 5, 1]))).modbusCode).toBe(3); // mode 7
    expect((await failure(c.writeRegisters(0, [1, 1, 10_000, 1]))).modbusCode).toBe(3); // > displayMax
    expect((await failure(c.writeRegister(100, 248))).modbusCode).toBe(3); // unit id
    expect(bank.module(3).state().mode).toBe('off');
  });

  it('exception 03 for malformed quantities, byte counts and coil values (raw frames)', async () => {
    const raw = await rawTcp(port);
    raw.send(mbap(1, 1, [0x03, 0, 0, 0, 0])); // quantity 0
    raw.send(mbap(2, 1, [0x03, 0, 0, 0, 126])); // quantity > 125
    raw.send(mbap(3, 1, [0x10, 0, 0, 0, 2, 3, 0, 1, 0, 1])); // byte count 3 for 2 registers
    raw.send(mbap(4, 1, [0x05, 0, 0, 0x12, 0x34])); // coil value neither 0xFF00 nor 0
    await sleep(100);
    const got = raw.received();
    raw.close();
    const replies = [0, 1, 2, 3].map((i) => [...got.subarray(i * 9, i * 9 + 9)]);
    expect(replies).toEqual([
      [0, 1, 0, 0, 0, 3, 1, 0x83, 3],
      [0, 2, 0, 0, 0, 3, 1, 0x83, 3],
      [0, 3, 0, 0, 0, 3, 1, 0x90, 3],
      [0, 4, 0, 0, 0, 3, 1, 0x85, 3],
    ]);
  });

  it('unit 0 is a broadcast: every module applies the write, nobody replies', async () => {
    const raw = await rawTcp(port);
    raw.send(mbap(9, 0, [0x10, 0, 0, 0, 4, 8, 0, 1, 0, 7, 0, 1, 0, 1]));
    raw.send(mbap(10, 2, [0x03, 0, 0, 0, 1]));
    await bank.waitFor(
      () => raw.received().length >= 11,
      1000,
      'the reply to the read after the broadcast',
    );
    await sleep(30);
    expect([...raw.received()]).toEqual([0, 10, 0, 0, 0, 5, 2, 3, 2, 0, 1]);
    raw.close();
    expect(bank.modules().map((m) => m.state().color)).toEqual(['white', 'white', 'white']);
  });

  it('an unknown unit id gets no reply, like a module missing from an RS-485 bus', async () => {
    c.setID(9);
    const before = sim.counters.noReply;
    expect((await failure(c.readHoldingRegisters(0, 1))).message).toMatch(/timed out/i);
    expect(sim.counters.noReply).toBe(before + 1);
  });

  it('a frame with a non-zero protocol id is dropped', async () => {
    const raw = await rawTcp(port);
    const dropped = sim.counters.dropped;
    raw.send(mbap(1, 1, [0x03, 0, 0, 0, 1], 7));
    await sleep(50);
    expect(raw.received().length).toBe(0);
    expect(sim.counters.dropped).toBe(dropped + 1);
    raw.close();
  });

  it('fault silence: no reply and the write is not applied', async () => {
    bank.module(2).setFault({ kind: 'silence' });
    c.setID(2);
    expect((await failure(c.writeRegisters(0, [3, 4, 1, 1]))).message).toMatch(/timed out/i);
    expect(bank.module(2).state().mode).not.toBe('fast');
  });

  it('fault bad-crc: the reply is garbled (short PDU) but the write was applied', async () => {
    bank.module(2).setFault({ kind: 'bad-crc' });
    c.setID(2);
    expect((await failure(c.writeRegisters(0, [3, 4, 1, 1]))).message).toMatch(/length/i);
    expect(bank.module(2).state().mode).toBe('fast');
    bank.module(2).setFault(null);
    expect((await c.readHoldingRegisters(0, 1)).data).toEqual([3]); // the stream is still in sync
  });

  it('fault exception: code 4 by default, or the code given', async () => {
    bank.module(1).setFault({ kind: 'exception' });
    expect((await failure(c.readHoldingRegisters(0, 1))).modbusCode).toBe(4);
    bank.module(1).setFault({ kind: 'exception', code: 6 });
    expect((await failure(c.readHoldingRegisters(0, 1))).modbusCode).toBe(6);
  });

  it('fault slow: the reply comes after the given delay', async () => {
    bank.module(1).setFault({ kind: 'slow', ms: 120 });
    const t0 = performance.now();
    await c.readHoldingRegisters(0, 1);
    // node timers may fire up to 1 ms before performance.now() says they should
    expect(performance.now() - t0).toBeGreaterThanOrEqual(119);
  });

  it('counts requests, replies and exceptions', () => {
    expect(sim.counters.requests).toBeGreaterThan(10);
    expect(sim.counters.replies).toBeGreaterThan(10);
    expect(sim.counters.exceptions).toBeGreaterThanOrEqual(12);
  });
});

describe('Modbus TCP simulator, profile generic-io-lamp-v1 (coils and discrete inputs)', () => {
  const bank = new ModuleBank({ profile: 'generic-io-lamp-v1', addresses: [5, 6], holdMs: 150 });
  const sim = new ModbusTcpSimulator(bank);
  let c: Master;

  beforeAll(async () => {
    c = await tcpMaster((await sim.start()).port, 5);
  });
  afterAll(async () => {
    await closeMaster(c);
    await sim.stop();
  });

  it('FC05 switches the lamp coil; FC01 reads it back', async () => {
    await c.writeCoil(0, true);
    expect(bank.module(5).state()).toMatchObject({
      mode: 'on',
      lamp: true,
      color: null,
      display: null,
    });
    expect((await c.readCoils(0, 1)).data[0]).toBe(true);
    await c.writeCoil(0, false);
    expect(bank.module(5).state().lamp).toBe(false);
  });

  it('FC15 writes the coil too', async () => {
    expect(await c.writeCoils(0, [true])).toEqual({ address: 0, length: 1 });
    expect(bank.module(5).state().lamp).toBe(true);
    expect((await failure(c.writeCoils(0, [true, true]))).modbusCode).toBe(2); // only one coil
  });

  it('FC02 reads a key as 1 while held, then 0', async () => {
    expect((await c.readDiscreteInputs(0, 2)).data.slice(0, 2)).toEqual([false, false]);
    bank.module(5).press('short');
    expect((await c.readDiscreteInputs(0, 2)).data.slice(0, 2)).toEqual([false, true]);
    await sleep(170);
    expect((await c.readDiscreteInputs(0, 2)).data.slice(0, 2)).toEqual([false, false]);
  });

  it('FC06 to holding register 16384 re-addresses at once (reply from the old id)', async () => {
    c.setID(6);
    expect(await c.writeRegister(16384, 66)).toEqual({ address: 16384, value: 66 });
    expect(bank.module(66).address).toBe(66);
    c.setID(66);
    expect((await c.readHoldingRegisters(16384, 1)).data).toEqual([66]);
  });

  it('stop() closes every connection and is idempotent; start() again serves again', async () => {
    const raw = await rawTcp((await sim.start()).port);
    await sim.stop();
    await sim.stop();
    await bank.waitFor(() => raw.closed(), 1000, 'the server to close the client socket');
    const again = await sim.start();
    const c2 = await tcpMaster(again.port, 5);
    expect((await c2.readCoils(0, 1)).data.length).toBeGreaterThan(0);
    await closeMaster(c2);
  });
});
