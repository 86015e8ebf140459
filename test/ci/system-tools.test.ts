/**
 * CI on a fresh machine (issue 7, item 15): a test that needs an absent system
 * tool fails under CI=true naming the Debian package to install (skips with
 * that message otherwise), and .ci/run installs every such package.
 */
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CHROMIUM_MISSING, chromiumAvailable } from '../helpers/browser.ts';
import { tempDir } from '../helpers/harness.ts';
import { PROM_PARSER_MISSING } from '../helpers/prom-parse.ts';
import { RABBIT_MISSING } from '../helpers/rabbitmq.ts';
import { SOCAT_MISSING } from '../helpers/socat.ts';
import { OPENSSL_MISSING, opensslAvailable } from '../helpers/tls.ts';
import { PIKA_MISSING } from '../peers/pika.ts';
import { PYTHON_PACKAGES, pymodbusAvailable } from '../peers/pymodbus.ts';

let tmp: ReturnType<typeof tempDir>;
beforeEach(() => {
  tmp = tempDir();
  vi.spyOn(console, 'warn').mockImplementation(() => {});
});
afterEach(() => {
  vi.restoreAllMocks();
  tmp.remove();
});

/** A stand-in python3 that fails to import `module` the way python does. */
function pythonWithout(module: string): string {
  const f = `${tmp.dir}/python3`;
  writeFileSync(
    f,
    `#!/bin/sh\necho "ModuleNotFoundError: No module named '${module}'" >&2\nexit 1\n`,
  );
  chmodSync(f, 0o755);
  return f;
}

describe('pymodbus peer availability', () => {
  it('names python3-serial-asyncio when only serial_asyncio is missing, under CI=true', () => {
    expect(() => pymodbusAvailable(pythonWithout('serial_asyncio'), { CI: 'true' })).toThrow(
      /install Debian package python3-serial-asyncio/,
    );
  });

  it('names python3-pymodbus when pymodbus is missing, under CI=true', () => {
    expect(() => pymodbusAvailable(pythonWithout('pymodbus'), { CI: 'true' })).toThrow(
      /install Debian package python3-pymodbus/,
    );
  });

  it('names python3 when there is no interpreter, and skips (null) outside CI', () => {
    expect(() => pymodbusAvailable(`${tmp.dir}/none`, { CI: 'true' })).toThrow(
      /install Debian package python3\b/,
    );
    expect(pymodbusAvailable(pythonWithout('serial_asyncio'), {})).toBeNull();
  });
});

describe('chromium for browser tests', () => {
  it('names the chromium package under CI=true when the browser is missing; skips otherwise', () => {
    expect(() => chromiumAvailable(`${tmp.dir}/none`, { CI: 'true' })).toThrow(
      /install Debian package chromium/,
    );
    expect(chromiumAvailable(`${tmp.dir}/none`, {})).toBe(false);
  });
});

describe('openssl for the HTTPS tests', () => {
  it('names the openssl package under CI=true when it is missing; skips otherwise', () => {
    expect(() => opensslAvailable({ CI: 'true' }, `${tmp.dir}/none`)).toThrow(
      /install Debian package openssl/,
    );
    expect(opensslAvailable({}, `${tmp.dir}/none`)).toBe(false);
  });
});

describe('.ci/run', () => {
  it('installs every Debian package the tests name', () => {
    const run = readFileSync('.ci/run', 'utf8');
    const install = run.match(/apt-get install[^\n]*(?:\\\n[^\n]*)*/)?.[0] ?? '';
    const named = [
      SOCAT_MISSING,
      PROM_PARSER_MISSING,
      CHROMIUM_MISSING,
      OPENSSL_MISSING,
      RABBIT_MISSING,
      PIKA_MISSING,
      ...Object.values(PYTHON_PACKAGES),
    ].map((m) => m.replace(/^.*install Debian package /, ''));
    for (const pkg of named) expect(install.split(/\s+/), pkg).toContain(pkg);
  });
});
