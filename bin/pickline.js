#!/usr/bin/env node
// Entry point for `npx pickline …` and `npm start`: runs the compiled CLI from
// dist/ when `npm run build` made a fresh one, else the TypeScript sources
// through the tsx loader (no build step needed, e.g. in a fresh clone).
// `start` first applies the controller's heap policy (heap-policy.js).
import { compiled } from './dist.js';
import { applyHeapPolicy } from './heap-policy.js';

if (process.argv[2] === 'start') applyHeapPolicy();
const cli = compiled('app/cli');
if (cli) {
  await import(cli);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../app/cli.ts');
}
