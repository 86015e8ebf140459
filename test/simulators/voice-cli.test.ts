/**
 * `npm run simulator:voice` (issue 16 item 13): by default it signs on the
 * site file's operators (the demo has jdoe and asmith, not op1…op5), signs on
 * those that exist when --workers asks for more, and exits non-zero when a
 * worker fails (a refused PIN, no controller).
 */
import { execFile } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/harness.ts';
import { type VoiceFloor, voiceFloor, voiceWave } from '../helpers/voice.ts';

function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['bin/run-ts.js', 'simulators/voice/cli.ts', ...args],
      { timeout: 60_000 },
      (err, stdout, stderr) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('voice simulator CLI', () => {
  let tmp: ReturnType<typeof tempDir>;
  let f: VoiceFloor;
  beforeAll(async () => {
    tmp = tempDir();
    // the demo site's operators (config/default.yaml)
    f = await voiceFloor(`${tmp.dir}/pl.db`, {
      configure: (c) => {
        c.operators = [
          { id: 'jdoe', name: 'Jane Doe', pin: '1234' },
          { id: 'asmith', name: 'Alex Smith', pin: '5678' },
        ];
      },
    });
  });
  afterAll(async () => {
    await f?.stop();
    tmp?.remove();
  });

  it('--workers 5 on the demo site signs on its two operators with their PINs and exits 0', async () => {
    f.waves.submit(voiceWave('SW1', { SO1: ['01'], SO2: ['02'] }));
    const r = await cli(['--url', f.baseUrl, '--config', 'config/default.yaml', '--workers', '5']);
    expect(r.stderr).toContain('has 2 operators (jdoe, asmith): signing on 2 of 5 workers');
    expect(r.stdout).toMatch(/^jdoe: \d+ picks/m);
    expect(r.stdout).toMatch(/^asmith: \d+ picks/m);
    expect(r.stdout).not.toContain('op1');
    expect(r.stdout).not.toContain('errors');
    expect(r.code).toBe(0);
    expect(f.waves.get('SW1').status).toBe('completed');
  }, 90_000);

  it('exits 1 naming the worker when a sign-on is refused', async () => {
    const r = await cli(['--url', f.baseUrl, '--operators', 'jdoe', '--pin', '0000']);
    expect(r.stdout).toContain('VOICE_SIGNON_FAILED');
    expect(r.stderr).toContain('1 of 1 workers failed (jdoe)');
    expect(r.code).toBe(1);
  }, 90_000);

  it('exits 1 when there is no controller', async () => {
    const r = await cli(['--url', 'http://127.0.0.1:1', '--workers', '1']);
    expect(r.stdout).toContain('no controller at http://127.0.0.1:1');
    expect(r.code).toBe(1);
  }, 90_000);
});
