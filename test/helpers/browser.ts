/**
 * Headless Debian chromium driven by playwright-core, for the page tests
 * and the voice terminal. Each browser gets a fresh --user-data-dir. Missing chromium:
 * under CI=true it throws naming the Debian package; elsewhere
 * `chromiumAvailable()` is false (with a warning) and the tests skip.
 * Screenshots go to test/screenshots/ (git-ignored).
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
export const CHROMIUM_MISSING = 'install Debian package chromium';
export const SCREENSHOTS = 'test/screenshots';

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

export interface Browser {
  context: BrowserContext;
  page: Page;
  screenshot(name: string): Promise<string>;
  close(): Promise<void>;
}

export async function openBrowser(baseURL: string): Promise<Browser> {
  const profile = mkdtempSync(join(tmpdir(), 'pickline-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    baseURL,
    viewport: { width: 1280, height: 900 },
    args: CHROMIUM_ARGS,
  });
  const page = context.pages()[0] ?? (await context.newPage());
  mkdirSync(SCREENSHOTS, { recursive: true });
  return {
    context,
    page,
    screenshot: async (name) => {
      const path = join(SCREENSHOTS, `${name}.png`);
      await page.screenshot({ path, fullPage: true });
      return path;
    },
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Signs the browser in through the sign-in page: a role token, or an operator's id and PIN. */
export async function signIn(
  page: Page,
  secret: string | { operator: string; pin: string },
  next = '/floor',
): Promise<void> {
  await page.goto(`/sign-in?next=${encodeURIComponent(next)}`);
  if (typeof secret === 'string') await page.fill('#secret', secret);
  else {
    await page.fill('#operator', secret.operator);
    await page.fill('#pin', secret.pin);
  }
  await Promise.all([
    page.waitForURL((u) => u.pathname === next),
    page.click(typeof secret === 'string' ? '#token-submit' : '#operator-submit'),
  ]);
}
