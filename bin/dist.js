// Whether the compiled build (`npm run build` → dist/) can run instead of the
// TypeScript sources. dist/ is used only when it is at least as new as every
// source file, so an edited checkout never runs stale JavaScript: it falls
// back to the sources through tsx (a fresh clone has no dist/ at all).
import { readdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** the directories `tsconfig.build.json` compiles */
const SOURCES = ['app', 'api', 'controller', 'device-drivers', 'simulators', 'config', 'kernel'];

function newestSource() {
  let newest = 0;
  for (const dir of SOURCES) {
    for (const e of readdirSync(ROOT + dir, { recursive: true, withFileTypes: true })) {
      if (!e.isFile() || !e.name.endsWith('.ts')) continue;
      newest = Math.max(newest, statSync(`${e.parentPath ?? e.path}/${e.name}`).mtimeMs);
    }
  }
  return newest;
}

/** URL of the compiled `entry` (e.g. 'app/cli') when dist/ is fresh, else null. */
export function compiled(entry) {
  const url = new URL(`../dist/${entry}.js`, import.meta.url);
  const built = statSync(url, { throwIfNoEntry: false });
  if (!built || built.mtimeMs < newestSource()) return null;
  return url.href;
}
