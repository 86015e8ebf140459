/**
 * One simulated ABLEPick tag (AT50x/AT70x-like): six-character display, LED
 * with colour and flashing, buzzer, confirm/short keys and +/- correction.
 * It applies host sub-commands and knows nothing of sockets; the controller
 * (controller.ts) frames what it says.
 */

export type TagFault = 'silent' | 'malfunction' | null;

export interface TagLook {
  /** display characters as shown ('' = blank) */
  text: string;
  led: boolean;
  flash: boolean;
  /** 0x12 interval code (0x00 = 0.25 s … 0x08 = 2 s) */
  interval: number;
  /** 0x1F colour code (0 red … 5 cyan) */
  color: number;
  buzzer: boolean;
}

export const DARK: Readonly<TagLook> = {
  text: '',
  led: false,
  flash: false,
  interval: 0x04,
  color: 0,
  buzzer: false,
};

export class SimTag {
  look: TagLook = { ...DARK };
  fault: TagFault = null;
  /** address offered by a 0x3A broadcast, taken on the next key press */
  offered: number | null = null;
  confirmKey = true;
  shortKey = true;
  /** 0x1F settings other than colour, by DATA[0] */
  readonly settings = new Map<number, number>();

  constructor(public address: number) {}

  /** The displayed number; null when blank or not a number. */
  get display(): number | null {
    const t = this.look.text.trim();
    return /^\d+$/.test(t) ? Number(t) : null;
  }

  show(text: string, flash: boolean): void {
    this.look = { ...this.look, text, led: true, flash };
  }

  /** Blank and dark; also withdraws an offered address. */
  clear(): void {
    this.offered = null;
    this.look = { ...this.look, text: '', led: false, flash: false, buzzer: false };
  }

  /** '+' (n > 0) or '-' (n < 0) on the displayed number, kept within 0..999999. */
  adjust(n: number): void {
    const d = this.display ?? 0;
    this.look = { ...this.look, text: String(Math.min(999_999, Math.max(0, d + n))) };
  }

  /** What the display shows while an address is offered: old and new. */
  offer(to: number): void {
    this.offered = to;
    this.look = { ...this.look, text: `${this.address}-${to}`, led: true, flash: true };
  }
}
