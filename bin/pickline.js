#!/usr/bin/env node
// Entry point for `npx pickline …` and `npm start`: registers the TypeScript
// loader (tsx) and hands over to the CLI. No build step is needed to run.
import { register } from 'tsx/esm/api';

register();
await import('../app/cli.ts');
