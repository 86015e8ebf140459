/**
 * `npm run build` (tsconfig.build.json) emits JavaScript that runs without a
 * loader and finds the profiles and the demo site of the installation. Built
 * into tmp/ (not dist/, which may hold the developer's own build).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const OUT = join('tmp', `build-test-${process.pid}`);
const { PICKLINE_CONFIG: _, ...ENV } = process.env;
const run = (...args: string[]) =>
  spawnSync(process.execPath, [join(OUT, 'app/cli.js'), ...args], {
    encoding: 'utf8',
    env: ENV,
  });

describe('compiled build', () => {
  beforeAll(() => {
    const tsc = spawnSync(
      process.execPath,
      ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json', '--outDir', OUT],
      { encoding: 'utf8' },
    );
    expect(tsc.stdout + tsc.stderr).toBe('');
    expect(tsc.status).toBe(0);
  }, 180_000);
  afterAll(() => rmSync(OUT, { recursive: true, force: true }));

  it('emits .js with rewritten relative imports and no TypeScript sources', () => {
    expect(existsSync(join(OUT, 'app/cli.js'))).toBe(true);
    expect(existsSync(join(OUT, 'app/cli.ts'))).toBe(false);
    const r = run('--version');
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('prints --help', () => {
    const r = run('--help');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('check-config');
  });

  it('finds the demo site and the device profiles of the installation', () => {
    const r = run('check-config');
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain(`${resolve('config/default.yaml')}: OK`);
  });

  it('reports a bad config as path: message, exit 1', () => {
    const r = run('check-config', 'no-such-site.yaml');
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('no-such-site.yaml');
  });
});
