// Types of heap-policy.js (plain JavaScript: bin/pickline.js runs it before the tsx loader).
export interface HeapPolicy {
  /** V8 flags applied; none when the operator set heap flags of their own */
  flags: string[];
  reason: string;
}
export const HEAP_POLICY_FLAGS: string[];
export const HEAP_POLICY_KEY: unique symbol;
export function heapPolicy(env?: NodeJS.ProcessEnv, execArgv?: string[]): HeapPolicy;
export function applyHeapPolicy(env?: NodeJS.ProcessEnv, execArgv?: string[]): HeapPolicy;
