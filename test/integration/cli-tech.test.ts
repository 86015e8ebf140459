/**
 * The technician CLI as a process (`node bin/pickline.js …`) against a
 * running controller on the simulated floor (issue 11): tables, --json,
 * live walk-test progress, and exit codes that mean something (app/cli-tech.ts EXIT).
 */
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from '../../app/cli-tech.ts';
import type { Controller } from '../../app/main.ts';
import { auth, TOKENS, tempDir } from '../helpers/harness.ts';
import { type LiveController, type LiveSite, liveController } from '../helpers/live.ts';
import { until } from '../kit/until.ts';

let live: LiveController;
/** files the CLI reads and writes */
let tmp: ReturnType<typeof tempDir>;
let site: LiveSite;
let c: Controller;
let url: string;

beforeAll(async () => {
  tmp = tempDir();
  live = await liveController();
  ({ site, c } = live);
  url = live.url;
});
afterAll(async () => {
  await live?.stop();
  tmp?.remove();
});

function cli(
  args: string[],
  env: Record<string, string> = { PICKLINE_TOKEN: TOKENS.technician },
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['bin/pickline.js', ...args],
      { env: { ...process.env, PICKLINE_URL: url, PICKLINE_TOKEN: '', ...env }, timeout: 60_000 },
      (err, stdout, stderr) => {
        const code = err ? ((err as { code?: number }).code ?? -1) : 0;
        resolve({ code: typeof code === 'number' ? code : -1, stdout, stderr });
      },
    );
  });
}

describe('pickline devices', () => {
  it('lists buses and modules as a table, and as JSON with --json', async () => {
    const t = await cli(['devices', 'list', '--bus', 'bus-a']);
    expect(t.code, t.stderr).toBe(EXIT.ok);
    expect(t.stdout).toMatch(/^bus-a\s+modbus-tcp\s+open\s+17\/17 modules online/m);
    expect(t.stdout).toMatch(/^ADDRESS\s+LOCATION\s+ZONE\s+STATE/m);
    expect(t.stdout).toMatch(/^3\s+A-01-03\s+A\s+online/m);
    const j = await cli(['devices', 'list', '--json']);
    expect(j.code).toBe(EXIT.ok);
    const buses = JSON.parse(j.stdout).buses;
    expect(buses.map((b: { id: string }) => b.id)).toEqual(['bus-a', 'bus-b']);
    expect(buses[0].modules.find((m: { address: number }) => m.address === 3).location).toBe(
      'A-01-03',
    );
  });

  it('names PICKLINE_TOKEN when no token is set (exit 3)', async () => {
    const none = await cli(['devices', 'list'], {});
    expect(none.code).toBe(EXIT.auth);
    expect(none.stderr).toMatch(/no token: set PICKLINE_TOKEN or pass --token-file <file>/);
  }, 60_000);

  it('exits 3 on a wrong token, 2 on a refused request, 4 when the controller is unreachable, 1 on bad arguments', async () => {
    const bad = await cli(['devices', 'list'], { PICKLINE_TOKEN: 'wrong' });
    expect(bad.code).toBe(EXIT.auth);
    expect(bad.stderr).toMatch(/UNAUTHORIZED/);
    const role = await cli(['devices', 'list'], { PICKLINE_TOKEN: TOKENS.viewer });
    expect(role.code).toBe(EXIT.auth);
    const nobus = await cli(['devices', 'identify', 'nope', '3']);
    expect(nobus.code).toBe(EXIT.refused);
    expect(nobus.stderr).toMatch(/BUS_NOT_FOUND|not found/i);
    const down = await cli(['devices', 'list'], {
      PICKLINE_TOKEN: TOKENS.technician,
      PICKLINE_URL: 'http://127.0.0.1:9',
    });
    expect(down.code).toBe(EXIT.unavailable);
    expect(down.stderr).toMatch(/cannot reach the controller/);
    const noTo = await cli(['devices', 'readdress', 'bus-a', '3']);
    expect(noTo.code).toBe(EXIT.usage);
  });

  it('reads the token from --token-file', async () => {
    const f = `${tmp.dir}/token`;
    writeFileSync(f, `${TOKENS.technician}\n`);
    const r = await cli(
      ['devices', 'identify', 'bus-a', '5', '--ms', '200', '--token-file', f],
      {},
    );
    expect(r.code, r.stderr).toBe(EXIT.ok);
    expect(r.stdout).toMatch(/bus-a\/5 identified/);
  });

  it('walk-tests a zone with a progress bar, lists the silent module and exits 5', async () => {
    site.floor.module('B-02-05').setFault({ kind: 'silence' });
    try {
      const r = await cli(['devices', 'walk-test', '--zone', 'B', '--dwell', '10']);
      expect(r.code, r.stderr).toBe(EXIT.modulesFailed);
      const steps = r.stderr.split('\n').filter((l) => l.startsWith('['));
      expect(steps).toHaveLength(13); // 12 locations + the done indicator
      expect(steps[0]).toMatch(/^\[#*\.*\] 1\/13 /);
      expect(steps[12]).toMatch(/^\[#{20}\] 13\/13 /);
      expect(r.stdout).toMatch(/13 tested, 12 answered, 1 failed/);
      expect(r.stdout).toMatch(/^bus-b\s+\S+\s+B-02-05\s+/m);
    } finally {
      site.floor.module('B-02-05').setFault(null);
    }
    const busB = c.buses.get('bus-b')!;
    await until(() => busB.info().online === busB.info().modules, 'bus-b back online', 10_000);
    const ok = await cli(['devices', 'walk-test', '--zone', 'B', '--dwell', '0', '--json']);
    expect(ok.code).toBe(EXIT.ok);
    expect(JSON.parse(ok.stdout)).toMatchObject({ tested: 13, failed: [] });
  });
});

describe('pickline locations', () => {
  it('exports CSV, refuses a file with a bad row (line listed, exit 2) and imports a good one', async () => {
    const exp = await cli(['locations', 'export']);
    expect(exp.code, exp.stderr).toBe(EXIT.ok);
    const lines = exp.stdout.trim().split(/\r?\n/);
    expect(lines[0]).toBe('location,bus,address,checkDigits,zone,aisle,slot');
    expect(lines).toContain('A-01-16,bus-a,16,65,A,,');
    const bad = `${tmp.dir}/bad.csv`;
    writeFileSync(
      bad,
      'location,bus,address,checkDigits,zone\nA-01-16,bus-a,16,66,A\nA-01-15,bus-a,99,21,A\n',
    );
    const r = await cli(['locations', 'import', bad]);
    expect(r.code).toBe(EXIT.refused);
    expect(r.stderr).toMatch(/LOCATIONS_REJECTED/);
    expect(r.stderr).toMatch(/line 3: module bus-a\/99 is not wired/);
    expect(c.site.locations.get('A-01-16')?.checkDigits).toBe('65');
    const good = `${tmp.dir}/good.csv`;
    writeFileSync(good, 'location,bus,address,checkDigits,zone\nA-01-16,bus-a,16,66,A\n');
    const ok = await cli(['locations', 'import', good]);
    expect(ok.code, ok.stderr).toBe(EXIT.ok);
    expect(ok.stdout).toMatch(/imported 1 locations: 0 new, 1 changed/);
    expect(ok.stderr).toMatch(/\[#{20}\] 1\/1 imported/);
    expect(c.site.locations.get('A-01-16')?.checkDigits).toBe('66');
    expect((await cli(['locations', 'import', `${tmp.dir}/none.csv`])).code).toBe(EXIT.usage);
  });
});

describe('pickline events tail', () => {
  it('prints past events, filtered by type, as lines or JSON', async () => {
    const wave = {
      waveId: 'CW-1',
      orders: [
        {
          orderId: 'CO-1',
          container: 'T-1',
          lines: [{ lineId: 'CL-1', sku: 'X', location: 'A-01-01', quantity: 1 }],
        },
      ],
    };
    const post = await fetch(`${url}/api/v1/waves`, {
      method: 'POST',
      headers: { ...auth('wms'), 'content-type': 'application/json' },
      body: JSON.stringify(wave),
    });
    expect(post.status).toBe(201);
    const r = await cli(['events', 'tail', '--after', '0', '--type', 'wave.accepted', '--json']);
    expect(r.code, r.stderr).toBe(EXIT.ok);
    const lines = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.map((e) => [e.type, e.data.waveId])).toEqual([['wave.accepted', 'CW-1']]);
    const text = await cli(['events', 'tail', '-n', '1']);
    expect(text.code).toBe(EXIT.ok);
    expect(text.stdout.trim().split('\n')).toHaveLength(1);
    expect((await cli(['events', 'tail', '--type', 'nope'])).code).toBe(EXIT.refused);
  });
});
