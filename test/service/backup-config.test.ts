/**
 * `storage.backups` in the site config (config/schema.ts, config/load.ts):
 * `dir` is resolved against the config file like `storage.path`, defaults
 * fill `everyMinutes` and `keep`, bad values are refused naming their path,
 * and the controller's backups take the schedule.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { Controller } from '../../app/main.ts';
import { loadConfig } from '../../config/load.ts';
import { DEFAULT_CONFIG } from '../../controller/paths.ts';
import { tempDir } from '../helpers/harness.ts';

let t: ReturnType<typeof tempDir>;
beforeEach(() => {
  t = tempDir();
});
afterEach(() => t.remove());

function site(backups: unknown): string {
  const raw = structuredClone(loadConfig(DEFAULT_CONFIG, {}).config) as Record<string, any>;
  for (const z of raw.zones) delete z.locationsCsv;
  raw.storage = { path: 'data/pickline.db', backups };
  const file = join(t.dir, 'site.yaml');
  writeFileSync(file, stringify(parse(JSON.stringify(raw))));
  return file;
}

describe('storage.backups', () => {
  it('resolves dir against the config file, fills defaults, and reaches the controller', () => {
    const loaded = loadConfig(site({ dir: 'backups' }), {});
    expect(loaded.config.storage.backups).toEqual({
      dir: join(t.dir, 'backups'),
      everyMinutes: 60,
      keep: 24,
    });
    const c = new Controller(loaded, { logger: pino({ level: 'silent' }) });
    expect(c.backups.schedule).toEqual(loaded.config.storage.backups);
  });

  it('refuses bad values naming each', () => {
    let err: { details?: { path: string }[] } = {};
    try {
      loadConfig(site({ dir: 'b', everyMinutes: 0, keep: 0, extra: 1 }), {});
    } catch (e) {
      err = e as typeof err;
    }
    const paths = (err.details ?? []).map((d) => d.path);
    expect(paths).toEqual(
      expect.arrayContaining(['storage.backups.everyMinutes', 'storage.backups.keep']),
    );
    expect(paths.some((p) => p.startsWith('storage.backups'))).toBe(true);
  });
});
