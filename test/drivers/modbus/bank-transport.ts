/**
 * In-memory ModbusTransport over the simulator's ModuleBank: the bank's reply
 * rules (silence, corrupt reply, slow module, exceptions) without any wire.
 * The fake of the contract suite (STYLE.md §8).
 */

import type { ModbusTransport } from '../../../device-drivers/modbus/master/transport.ts';
import { PicklineError } from '../../../kernel/errors.ts';
import type { ModuleBank } from '../../../simulators/modbus/index.ts';

export class BankTransport implements ModbusTransport {
  readonly description = 'in-memory module bank';
  private open_ = false;
  private timer: NodeJS.Timeout | null = null;
  private reject: ((e: Error) => void) | null = null;
  /** every request as (unit, PDU), for assertions */
  readonly sent: Array<{ unit: number; pdu: Buffer }> = [];

  constructor(private readonly bank: ModuleBank) {}

  async open(): Promise<void> {
    this.open_ = true;
  }

  async close(): Promise<void> {
    this.open_ = false;
    if (this.timer) clearTimeout(this.timer);
    this.reject?.(new PicklineError('BUS_CLOSED', 'closed'));
    this.reject = null;
  }

  transact(unit: number, pdu: Buffer, timeoutMs: number): Promise<Buffer> {
    if (!this.open_) return Promise.reject(new PicklineError('BUS_CLOSED', 'closed'));
    this.sent.push({ unit, pdu: Buffer.from(pdu) });
    const res = this.bank.handle(unit, pdu);
    return new Promise((resolve, reject) => {
      this.reject = reject;
      const after = (ms: number, fn: () => void) => {
        this.timer = setTimeout(() => {
          this.timer = null;
          this.reject = null;
          fn();
        }, ms);
      };
      if (res.kind === 'none' || res.delayMs > timeoutMs) {
        after(timeoutMs, () => reject(new PicklineError('DEVICE_TIMEOUT', `unit ${unit} silent`)));
      } else if (res.corrupt) {
        after(res.delayMs, () =>
          reject(new PicklineError('DEVICE_CRC', `CRC error from unit ${unit}`)),
        );
      } else {
        after(res.delayMs, () => resolve(res.pdu));
      }
    });
  }
}
