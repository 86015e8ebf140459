/**
 * The installation root (where `config/` and `package.json` live). Code runs
 * either from source through tsx (this file is `<root>/kernel/root.ts`) or
 * compiled by `npm run build` (`<root>/dist/kernel/root.js`). Data files
 * (profiles, the demo site) are never copied next to compiled code, so the
 * root is the nearest directory above this file holding `config/profiles/`.
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

function findRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'config', 'profiles'))) return dir;
    if (dirname(dir) === dir) throw new Error(`no config/profiles/ above ${from}`);
  }
}

export const ROOT = findRoot(dirname(fileURLToPath(import.meta.url)));

/** A path inside the installation root. */
export const rootPath = (...parts: string[]): string => resolve(ROOT, ...parts);
