/**
 * The key input channel: presses on the modules' keys, as the buses report
 * them (polled, or sent by MQTT modules), each handed to the floor commands'
 * `press` (commands.ts), which decides what it means. Built by the
 * composition root; started before the floor is restored, so a press a
 * module still holds after a restart is recorded once.
 */
import type { Logger } from 'pino';
import type { KeyEvent, LightBus, Unsubscribe } from '../../device-drivers/types.ts';

/** What a key press is handed to: the floor commands. */
export interface PressTarget {
  press(e: KeyEvent): Promise<unknown>;
}

export class KeyInput {
  readonly #buses: Map<string, LightBus>;
  readonly #target: PressTarget;
  readonly #log: Logger;
  #subs: Unsubscribe[] = [];

  constructor(buses: Map<string, LightBus>, target: PressTarget, logger: Logger) {
    this.#buses = buses;
    this.#target = target;
    this.#log = logger;
  }

  /** Subscribes to every bus's key source; a second start is a no-op. */
  start(): void {
    if (this.#subs.length > 0) return;
    for (const bus of this.#buses.values())
      this.#subs.push(
        bus.onKey((e) => {
          this.#target.press(e).catch((err: unknown) => {
            // press() settles every outcome itself; this only keeps a surprise off the driver
            this.#log.error({ err, bus: e.bus, address: e.address }, 'key press failed');
          });
        }),
      );
  }

  stop(): void {
    for (const u of this.#subs) u();
    this.#subs = [];
  }
}
