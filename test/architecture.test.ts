/**
 * Layers import downward only (STYLE.md §1): api → controller → device-drivers,
 * config at the bottom; simulators know only config. The composition root
 * (controller/main.ts, controller/cli.ts) assembles everything and is exempt.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const MAY_IMPORT: Record<string, string[]> = {
  config: ['config'],
  'device-drivers': ['device-drivers', 'config'],
  controller: ['controller', 'device-drivers', 'config'],
  api: ['api', 'controller', 'config'],
  simulators: ['simulators', 'config'],
};
const ROOT_FILES = new Set(['controller/main.ts', 'controller/cli.ts']);

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

describe('architecture', () => {
  it('imports point downward only', () => {
    const violations: string[] = [];
    for (const layer of Object.keys(MAY_IMPORT)) {
      for (const file of files(layer)) {
        if (ROOT_FILES.has(file)) continue;
        const src = readFileSync(file, 'utf8');
        for (const m of src.matchAll(/from '(\.[^']+)'/g)) {
          const target = join(file, '..', m[1]).split('/')[0];
          if (target in MAY_IMPORT && !MAY_IMPORT[layer].includes(target))
            violations.push(`${file} imports ${m[1]}`);
        }
      }
    }
    expect(violations).toEqual([]);
  });

  it('keeps source files under 600 lines', () => {
    const long = Object.keys(MAY_IMPORT)
      .flatMap(files)
      .filter((f) => readFileSync(f, 'utf8').split('\n').length > 600);
    expect(long).toEqual([]);
  });
});
