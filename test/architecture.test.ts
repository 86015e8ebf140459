/**
 * Layers import downward only (STYLE.md §1): api → controller → device-drivers
 * → config (the site file, profiles and their schemas) → kernel (the shared
 * vocabulary: error catalogue, event types, module references, the install
 * root), which imports nothing of the project. Simulators know only config and
 * kernel. app/ is the composition root (wiring, CLI, dev floor, demo): it may
 * import every layer and no layer imports it. Static, side-effect and dynamic
 * imports are all checked, and no file may take part in an import cycle.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const MAY_IMPORT: Record<string, string[]> = {
  kernel: ['kernel'],
  config: ['config', 'kernel'],
  'device-drivers': ['device-drivers', 'config', 'kernel'],
  controller: ['controller', 'device-drivers', 'config', 'kernel'],
  api: ['api', 'controller', 'config', 'kernel'],
  simulators: ['simulators', 'config', 'kernel'],
  app: ['app', 'api', 'controller', 'device-drivers', 'simulators', 'config', 'kernel'],
};

/**
 * Folders inside device-drivers/ that may import only the listed paths (and
 * kernel/): the Modbus master (PDU, CRC, framing, transport, links, scheduler)
 * knows nothing of lights, profiles or the adapter built on it; common/ holds
 * the rules every driver shares (job-token gate, health tracking, listeners,
 * counters, logger) and knows no particular driver: only itself, types.ts and
 * kernel/.
 */
const INNER: Record<string, string[]> = {
  'device-drivers/modbus/master': ['device-drivers/modbus/master'],
  'device-drivers/common': ['device-drivers/common', 'device-drivers/types.ts'],
};

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

/** Repository-relative paths of the relative imports of `file`. */
function importsOf(file: string): { spec: string; target: string }[] {
  const src = readFileSync(file, 'utf8');
  return [...src.matchAll(/(?:from|import)\s*\(?\s*'(\.[^']+)'/g)].map((m) => ({
    spec: m[1],
    target: join(file, '..', m[1]),
  }));
}

const layerFiles = () => Object.keys(MAY_IMPORT).flatMap((layer) => files(layer));

/** Imports of anything under `dir` from layer files outside it. */
function importersOf(dir: string): string[] {
  return layerFiles()
    .filter((f) => !f.startsWith(dir))
    .flatMap((f) =>
      importsOf(f)
        .filter((i) => i.target.startsWith(dir))
        .map((i) => `${f} imports ${i.spec}`),
    );
}

/** Every cycle found by a depth-first walk, each as "a → b → … → a". */
function findCycles(graph: Map<string, string[]>): string[] {
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const cycles: string[] = [];
  const visit = (node: string): void => {
    state.set(node, 'open');
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      if (!graph.has(next)) continue;
      const s = state.get(next);
      if (s === 'open') cycles.push([...stack.slice(stack.indexOf(next)), next].join(' → '));
      else if (s === undefined) visit(next);
    }
    stack.pop();
    state.set(node, 'done');
  };
  for (const node of graph.keys()) if (!state.has(node)) visit(node);
  return cycles;
}

describe('architecture', () => {
  it('finds a cycle in a graph that has one, and none in one that has not', () => {
    const ring = new Map([
      ['a', ['b']],
      ['b', ['c']],
      ['c', ['a']],
    ]);
    expect(findCycles(ring)).toEqual(['a → b → c → a']);
    expect(
      findCycles(
        new Map([
          ['a', ['b']],
          ['b', []],
        ]),
      ),
    ).toEqual([]);
  });

  it('imports point downward only', () => {
    const violations: string[] = [];
    for (const layer of Object.keys(MAY_IMPORT)) {
      for (const file of files(layer)) {
        for (const { spec, target } of importsOf(file)) {
          const top = target.split('/')[0];
          if (top in MAY_IMPORT && !MAY_IMPORT[layer].includes(top))
            violations.push(`${file} imports ${spec}`);
        }
      }
    }
    expect(violations).toEqual([]);
  });

  it('inner driver folders import only what they may', () => {
    const violations: string[] = [];
    for (const [dir, allowed] of Object.entries(INNER)) {
      for (const file of files(dir)) {
        for (const { spec, target } of importsOf(file)) {
          const ok = ['kernel', ...allowed].some((a) => target === a || target.startsWith(`${a}/`));
          if (!ok) violations.push(`${file} imports ${spec}`);
        }
      }
    }
    expect(violations).toEqual([]);
  });

  it('nothing outside app/ imports app/ (tests, benches and bin/ may)', () => {
    expect(importersOf('app/')).toEqual([]);
  });

  it('the CLI loads the dev floor and simulators only when a bus is simulated', () => {
    const src = readFileSync('app/cli.ts', 'utf8');
    const eager = [...src.matchAll(/^import (?!type )[^;]*? from '(\.[^']+)'/gms)]
      .map((m) => join('app', m[1]))
      .filter((t) => t === 'app/floor.ts' || t.startsWith('simulators/'));
    expect(eager).toEqual([]);
    expect(src).toContain("await import('./floor.ts')");
  });

  it('reaches the engine only through the floor commands: app/ alone builds the engine', () => {
    // the engine's acting parts; read models and value types (status, voice, holds, repo) stay open
    const parts = [
      'engine',
      'keys',
      'picking',
      'recovery',
      'health',
      'lighting',
      'picks',
      'scan',
      'decide',
      'sessions',
    ].map((f) => `controller/engine/${f}.ts`);
    const violations = layerFiles()
      .filter((f) => !f.startsWith('controller/engine/') && !f.startsWith('app/'))
      .flatMap((f) =>
        [...readFileSync(f, 'utf8').matchAll(/^import (?!type )[^;]*? from '(\.[^']+)'/gms)]
          .map((m) => ({ spec: m[1], target: join(f, '..', m[1]) }))
          .filter((i) => parts.includes(i.target))
          .map((i) => `${f} imports ${i.spec}`),
      );
    expect(violations).toEqual([]);
  });

  it('device-drivers/testing/ (the fake bus) is for tests only: no layer imports it', () => {
    expect(importersOf('device-drivers/testing/')).toEqual([]);
  });

  it('bench/ reaches into test/ only through the shared kit (test/kit/)', () => {
    const reaching = files('bench').flatMap((f) =>
      importsOf(f)
        .filter((i) => i.target.startsWith('test/') && !i.target.startsWith('test/kit/'))
        .map((i) => `${f} imports ${i.spec}`),
    );
    expect(reaching).toEqual([]);
  });

  it('tests and benches that wait share one `until` (test/kit/until.ts)', () => {
    const others = [...files('test'), ...files('bench')].filter(
      (f) =>
        f !== join('test', 'kit', 'until.ts') &&
        /\b(?:function|const|let)\s+until\b/.test(readFileSync(f, 'utf8')),
    );
    expect(others).toEqual([]);
  });

  it('has no import cycle (type-only imports included)', () => {
    const graph = new Map<string, string[]>();
    for (const f of layerFiles())
      graph.set(
        f,
        importsOf(f)
          .map((i) => i.target)
          .filter((t) => t.endsWith('.ts')),
      );
    expect(findCycles(graph)).toEqual([]);
  });

  it('keeps files of controller/, api/, app/ and device-drivers/ within ~350 lines, or says why', () => {
    // a longer file states its reason in a comment: "Longer than 350 lines: <why>"
    const long = ['controller', 'api', 'app', 'device-drivers']
      .flatMap((d) => files(d))
      .filter((f) => {
        const src = readFileSync(f, 'utf8');
        return src.split('\n').length > 360 && !/Longer than 350 lines: \S/.test(src);
      });
    expect(long).toEqual([]);
  });

  it('keeps source files under 600 lines', () => {
    const long = layerFiles().filter((f) => readFileSync(f, 'utf8').split('\n').length > 600);
    expect(long).toEqual([]);
  });
});
