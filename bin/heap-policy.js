// The V8 heap policy of the controller process (issue 16 item 15; README
// "Troubleshooting"). V8 lets the old generation grow to a multiple of what
// survived the last full collection (a factor up to 4, from its own speed
// estimates) before it collects again: with 5,000 MQTT modules the controller
// held ~540 MB RSS for a working set of under 200 MB. `--heap-growing-percent=30`
// caps that growth at 30 % above the live heap, so a full collection comes
// sooner and the heap stays near its working set (measured: README
// "Benchmarks", bench/mqtt-fleet.ts).
//
// bin/pickline.js applies it when it starts the controller, through
// v8.setFlagsFromString before the heap has grown: V8 reads this flag each time
// it sets the next collection's limit, so it takes effect from the first full
// collection on (test/service/heap-policy.test.ts shows the effect). An operator
// who sets any heap flag of their own (in NODE_OPTIONS or on the node command
// line: `--max-old-space-size`, `--heap-growing-percent`, …) gets theirs alone.
import { setFlagsFromString } from 'node:v8';

/** The flags of the policy. */
export const HEAP_POLICY_FLAGS = ['--heap-growing-percent=30'];

/** V8 flags that size the heap or pace its growth: one of them set by the operator turns the policy off. */
const OPERATOR_HEAP_FLAG =
  /(^|\s)--(max[-_]old[-_]space[-_]size|max[-_]semi[-_]space[-_]size|max[-_]heap[-_]size|initial[-_]heap[-_]size|initial[-_]old[-_]space[-_]size|heap[-_]growing[-_]percent|max[-_]young[-_]generation[-_]size|memory[-_]reducer|optimize[-_]for[-_]size|gc[-_]interval)\b/;

/**
 * The heap flags to apply: HEAP_POLICY_FLAGS, or none when the operator set a
 * heap flag in NODE_OPTIONS or on node's command line (`execArgv`).
 * @param {NodeJS.ProcessEnv} env
 * @param {string[]} execArgv
 * @returns {{ flags: string[], reason: string }}
 */
export function heapPolicy(env = process.env, execArgv = process.execArgv) {
  if (OPERATOR_HEAP_FLAG.test(env.NODE_OPTIONS ?? ''))
    return { flags: [], reason: 'heap flags in NODE_OPTIONS' };
  if (execArgv.some((a) => OPERATOR_HEAP_FLAG.test(a)))
    return { flags: [], reason: 'heap flags on the node command line' };
  return { flags: [...HEAP_POLICY_FLAGS], reason: 'default' };
}

/** Where the policy applied to this process is recorded (app/cli.ts logs it at start). */
export const HEAP_POLICY_KEY = Symbol.for('pickline.heap-policy');

/**
 * Applies heapPolicy() to this process and records it under HEAP_POLICY_KEY.
 * @returns {{ flags: string[], reason: string }}
 */
export function applyHeapPolicy(env = process.env, execArgv = process.execArgv) {
  const p = heapPolicy(env, execArgv);
  if (p.flags.length > 0) setFlagsFromString(p.flags.join(' '));
  globalThis[HEAP_POLICY_KEY] = p;
  return p;
}
