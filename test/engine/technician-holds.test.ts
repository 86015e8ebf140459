/**
 * Technician operations take a module from the engine and give it back
 * (README "Technician tasks"): identify, walk test and re-address are refused
 * on a module that shows a job or a done indicator; while a module is held no
 * press on it commits a pick and a scan that would light it leaves the line
 * waiting until the hold ends; an armed re-address expires or is cancelled.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/harness.ts';
import { until } from '../kit/until.ts';
import { lineStatus, oneLine, type TechFloor, techFloor } from './technician-fixture.ts';

let tmp: ReturnType<typeof tempDir>;
let f: TechFloor;

beforeEach(async () => {
  tmp = tempDir();
  f = await techFloor(`${tmp.dir}/pl.db`, { readdressMs: 100_000, doneFlashMs: 100_000 });
});
afterEach(async () => {
  await f?.stop();
  tmp?.remove();
});

const code = async (p: Promise<unknown>) =>
  p.then(
    () => 'ok',
    (e) => (e as { code?: string }).code ?? String(e),
  );

describe('walk test', () => {
  it('a scan during the dwell lights the module once the walk test gives it back', async () => {
    oneLine(f, 3);
    const walk = f.tech.walkTest({ bus: 'bus-a' }, 30);
    await until(() => f.a.lit(3)?.color === 'white', 'walk test at A-01-03');
    const scan = await f.commands.scan({ zone: 'A', code: 'T-L3', operator: 'jdoe' });
    expect(scan.lit).toHaveLength(0); // the module is held: the line waits
    expect(lineStatus(f, 'L3')).toEqual({ status: 'open', flag: 'waiting' });
    await walk;
    await f.engine.idle();
    expect(lineStatus(f, 'L3').status).toBe('lit');
    const row = f.store.db.prepare('SELECT seq FROM lights WHERE line_id = ?').get('L3') as {
      seq: number;
    };
    expect(f.a.lit(3)).toMatchObject({ mode: 'on', seq: row.seq, display: 2 });
    f.a.press(3);
    await until(() => lineStatus(f, 'L3').status === 'picked', 'press committed');
  });

  it('refuses a bus and a zone together', async () => {
    expect(await code(f.tech.walkTest({ bus: 'bus-a', zone: 'B' }, 0))).toBe('INVALID_REQUEST');
    expect(f.a.writes).toHaveLength(0);
  });
});

describe('identify', () => {
  it('is refused on a module that shows a job, and on a flashing done indicator', async () => {
    oneLine(f, 4);
    await f.commands.scan({ zone: 'A', code: 'T-L4', operator: 'jdoe' });
    await f.engine.idle();
    const before = f.a.writes.length;
    expect(await code(f.tech.identify('bus-a', 4, 10))).toBe('MODULE_BUSY');
    expect(f.a.writes).toHaveLength(before);
    expect(f.a.lit(4)?.mode).toBe('on');
    f.a.press(4); // the order's only line in zone A: the done indicator (bus-a/100) blinks
    await until(() => f.a.lit(100)?.mode === 'blink', 'done indicator');
    expect(await code(f.tech.identify('bus-a', 100, 10))).toBe('MODULE_BUSY');
    expect(f.a.lit(100)?.mode).toBe('blink');
  });

  it('a press on a held module commits nothing and is counted', async () => {
    const id = f.tech.identify('bus-a', 5, 40);
    await until(() => f.a.lit(5)?.mode === 'fast', 'identify blinking');
    const held = f.engine.stats().heldPresses;
    f.a.press(5, 'confirm', 1, 0);
    await id;
    expect(f.engine.stats().heldPresses).toBe(held + 1);
  });

  it('/identity and /identify both answer MODULE_NOT_FOUND for an unconfigured address', async () => {
    expect(await code(f.tech.identify('bus-a', 77, 10))).toBe('MODULE_NOT_FOUND');
    expect(await code(f.tech.readIdentity('bus-a', 77))).toBe('MODULE_NOT_FOUND');
  });
});

describe('re-address', () => {
  it('is refused on a module that shows a job; the pick is still recorded by its press', async () => {
    oneLine(f, 6);
    await f.commands.scan({ zone: 'A', code: 'T-L6', operator: 'jdoe' });
    await f.engine.idle();
    expect(await code(f.tech.setAddress('bus-a', 6, 200))).toBe('MODULE_BUSY');
    expect(f.a.armed.size).toBe(0);
    f.a.press(6);
    await until(() => lineStatus(f, 'L6').status === 'picked', 'pick recorded');
    expect(f.a.consumed).toEqual([]);
  });

  it('probes the target address first and refuses one that answers', async () => {
    f.a.present.add(201); // a module nobody configured answers at 201
    expect(await code(f.tech.setAddress('bus-a', 7, 201))).toBe('ADDRESS_IN_USE');
    expect(f.a.armed.size).toBe(0);
  });

  it('while armed, the module stays dark and a scan for it waits; cancel disarms and lights it', async () => {
    const r = await f.tech.setAddress('bus-a', 8, 200);
    expect(r).toMatchObject({ needsKeyPress: true, expiresAt: expect.any(String) });
    expect(Date.parse((r as { expiresAt: string }).expiresAt)).toBeGreaterThan(Date.now());
    oneLine(f, 8);
    await f.commands.scan({ zone: 'A', code: 'T-L8', operator: 'jdoe' });
    await f.engine.idle();
    expect(f.a.lit(8)).toBeUndefined();
    expect(lineStatus(f, 'L8')).toEqual({ status: 'open', flag: 'waiting' });
    expect(await f.tech.cancelAddress('bus-a', 8)).toEqual({ disarmed: true });
    expect(f.a.armed.size).toBe(0);
    await f.engine.idle();
    expect(lineStatus(f, 'L8').status).toBe('lit');
    expect(f.a.lit(8)?.mode).toBe('on');
    expect(await code(f.tech.cancelAddress('bus-a', 8))).toBe('READDRESS_NOT_ARMED');
  });
});

describe('re-address expiry', () => {
  it('an armed re-address expires: the module is disarmed and given back', async () => {
    await f.stop();
    f = await techFloor(`${tmp.dir}/pl2.db`, { readdressMs: 30 });
    await f.tech.setAddress('bus-a', 9, 200);
    expect(f.a.armed.get(9)).toBe(200);
    await until(() => f.a.armed.size === 0, 'expiry disarms the module');
    oneLine(f, 9);
    const scan = await f.commands.scan({ zone: 'A', code: 'T-L9', operator: 'jdoe' });
    expect(scan.lit).toHaveLength(1); // no longer held
  });
});
