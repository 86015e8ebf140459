/**
 * Listeners of one kind of driver event (key presses, health changes). A
 * listener that throws is logged and the others still run (STYLE.md: an event
 * bus that catches each listener's error): one broken subscriber never stops
 * a driver's poll loop or starves the others.
 */
import type { Unsubscribe } from '../types.ts';
import type { DriverLogger } from './logger.ts';

export class Emitter<T> {
  readonly #listeners = new Set<(e: T) => void>();

  constructor(private readonly log: DriverLogger) {}

  /** Subscribing the same function twice delivers once; the returned function unsubscribes. */
  on(listener: (e: T) => void): Unsubscribe {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  emit(e: T): void {
    for (const l of this.#listeners) {
      try {
        l(e);
      } catch (err) {
        this.log.error({ err }, 'listener threw');
      }
    }
  }
}
