/**
 * The shared test kit (docs/ARCHITECTURE.md "Where things are", test/kit/):
 * what tests and bench/ share. bench/ imports test/ only through this folder
 * (test/architecture.test.ts); each kit file loads no more than the helper it
 * names, so a bench's memory figures count only what it uses.
 *
 * This one: temporary directories, the demo site's API tokens and config.
 */
export { auth, demoConfig, TOKENS, tempDir } from '../helpers/harness.ts';
