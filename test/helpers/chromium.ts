/**
 * Debian chromium for browser tests (playwright-core drives it; it downloads
 * no browser). Missing: under CI=true a test must fail naming the package;
 * elsewhere it may skip. Use:
 *   describe.skipIf(!chromiumAvailable())('in a browser', () => { … })
 */
import { existsSync } from 'node:fs';

export const CHROMIUM = '/usr/bin/chromium';
export const CHROMIUM_MISSING = 'install Debian package chromium';

/** Launch flags: headless, no sandbox (root in CI), nothing phoning home. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-quic',
  '--no-first-run',
];

/** True when chromium is installed; false (with a warning) outside CI; throws under CI=true. */
export function chromiumAvailable(path = CHROMIUM, env: NodeJS.ProcessEnv = process.env): boolean {
  if (existsSync(path)) return true;
  if (env.CI === 'true') throw new Error(`${path} not found: ${CHROMIUM_MISSING}`);
  console.warn(`skipping browser tests: ${path} not found (${CHROMIUM_MISSING})`);
  return false;
}
