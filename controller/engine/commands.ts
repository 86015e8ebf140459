/**
 * The floor's command set, defined once (issue 8 item 6): key presses, REST
 * calls, scanners and voice terminals all drive these. Picks go through the
 * engine's one commit path, so each line is recorded, and its event appended,
 * exactly once whichever channel confirmed it. Key presses reach the same
 * commit from `PickEngine` (they carry a job token instead of a line id).
 */

import type { Color } from '../../config/schema.ts';
import { PicklineError } from '../../kernel/errors.ts';
import type { Site } from '../site.ts';
import type { Store } from '../store/db.ts';
import type { PickEngine, ScanResult, SessionView } from './engine.ts';
import type { PickResult, Via } from './picks.ts';
import { sessions } from './repo.ts';
import {
  assignedLine,
  currentTask,
  nextLightOrder,
  nextTask,
  skipLine,
  type VoiceTask,
  voiceZone,
} from './voice.ts';

export type { VoiceTask } from './voice.ts';

export interface ScanCommand {
  zone: string;
  /** container or orderId (pick zone), SKU (put wall) */
  code: string;
  /** who scans; when absent, the configured scanner's picker */
  picker?: string;
  /** a configured scanner (`scanners[]`): supplies picker and colour */
  scanner?: string;
}

export interface LineCommand {
  lineId: string;
  /** taken; confirm defaults to the request, short to 0 */
  quantity?: number;
  via: Via;
  /** who; a voice confirm or short must name the operator whose task the line is */
  operator?: string;
  /** short reason (a confirm below the request is recorded as a short) */
  reason?: string;
}

/** A voice-led operator's order in a pick zone, lit in their colour. */
export interface LightTask {
  zone: string;
  orderId: string;
  color: string | null;
  /** the order's lines in the zone: lit now, or waiting for a shared module */
  lineIds: string[];
}

export type ReleaseCommand = { zone: string } & ({ orderId: string } | { picker: string });

export class FloorCommands {
  readonly #engine: PickEngine;
  readonly #store: Store;
  readonly #site: Site;

  constructor(engine: PickEngine, store: Store, site: Site) {
    this.#engine = engine;
    this.#store = store;
    this.#site = site;
  }

  /**
   * A scan at a pick zone or put wall. A scanner's scan names no picker: the
   * scanner's configuration does, and its colour. Neither → INVALID_REQUEST.
   */
  async scan(c: ScanCommand): Promise<ScanResult> {
    let picker = c.picker;
    let color: Color | null = null;
    if (c.scanner !== undefined) {
      const s = this.#site.scanners.get(c.scanner);
      if (!s)
        throw new PicklineError('UNKNOWN_SCANNER', `no scanner "${c.scanner}" is configured`, [
          { path: '/scanner', message: 'is not one of the configured scanners' },
        ]);
      if (s.zone !== c.zone)
        throw new PicklineError(
          'UNKNOWN_SCANNER',
          `scanner ${s.id} scans at zone ${s.zone}, not ${c.zone}`,
          [{ path: '/scanner', message: `belongs to zone ${s.zone}` }],
        );
      picker ??= s.picker;
      if (picker === s.picker) color = s.color;
    }
    if (picker === undefined)
      throw new PicklineError('INVALID_REQUEST', 'a scan needs a picker or a configured scanner', [
        { path: '/picker', message: 'is required when no scanner is named' },
      ]);
    return this.#engine.scan(c.zone, c.code, picker, color);
  }

  async confirm(c: LineCommand): Promise<PickResult> {
    this.#checkVoice(c);
    return this.#engine.closeLine(c.lineId, {
      quantity: c.quantity,
      picker: c.operator,
      via: c.via,
      reason: c.reason,
    });
  }

  async short(c: LineCommand): Promise<PickResult> {
    this.#checkVoice(c);
    return this.#engine.closeLine(c.lineId, {
      quantity: c.quantity,
      picker: c.operator,
      via: c.via,
      short: true,
      reason: c.reason ?? (c.via === 'voice' ? 'short-product' : 'operator'),
    });
  }

  /**
   * Ends one order's session in the zone, or every session of a picker there:
   * their colour is free again, lines they had lit go dark and back to open.
   */
  async release(c: ReleaseCommand): Promise<SessionView[]> {
    if ('orderId' in c) return [await this.#engine.endSession(c.zone, c.orderId)];
    if (!this.#site.zones.has(c.zone))
      throw new PicklineError('ZONE_NOT_FOUND', `no zone ${c.zone}`);
    const mine = sessions(this.#store.db, c.zone).filter((s) => s.picker === c.picker);
    if (mine.length === 0)
      throw new PicklineError('SESSION_NOT_FOUND', `${c.picker} has no session in zone ${c.zone}`);
    const out: SessionView[] = [];
    for (const s of mine) out.push(await this.#engine.endSession(c.zone, s.order_id));
    return out;
  }

  /** Voice: the operator's current task in the zone, else a newly assigned one; null when none. */
  nextTask(c: { zone: string; operator: string }): VoiceTask | null {
    const zone = voiceZone(this.#site, c.zone);
    this.#checkOperator(c.operator);
    const now = new Date().toISOString();
    return this.#store.tx(() => nextTask(this.#store.db, zone, c.operator, now));
  }

  /**
   * Voice + light: the operator's next order in pick zone `zone`, lit in
   * their colour as a scan of it would (the key presses then record the
   * picks, via "light"); null when the zone has nothing for them.
   */
  async lightTask(c: { zone: string; operator: string }): Promise<LightTask | null> {
    const zone = this.#site.zones.get(c.zone);
    if (!zone) throw new PicklineError('ZONE_NOT_FOUND', `no zone ${c.zone}`);
    if (zone.mode !== 'pick')
      throw new PicklineError(
        'BAD_REQUEST',
        `zone ${c.zone} is a ${zone.mode} zone, not a pick zone`,
      );
    this.#checkOperator(c.operator);
    const orderId = this.#store.tx(() => nextLightOrder(this.#store.db, zone, c.operator));
    if (orderId === null) return null;
    const r = await this.scan({ zone: c.zone, code: orderId, picker: c.operator });
    return {
      zone: c.zone,
      orderId,
      color: r.color,
      lineIds: [...r.lit.map((l) => l.line_id), ...r.waiting.map((w) => w.lineId)],
    };
  }

  /** Voice: the line the operator holds in the zone, assigning nothing; null when none. */
  currentTask(c: { zone: string; operator: string }): VoiceTask | null {
    const zone = voiceZone(this.#site, c.zone);
    return currentTask(this.#store.db, zone, c.operator);
  }

  /** Voice "skip slot": the line goes to the end of the task; returns the task now due. */
  skip(c: { lineId: string; operator: string }): VoiceTask | null {
    this.#checkOperator(c.operator);
    const now = new Date().toISOString();
    return this.#store.tx(() => skipLine(this.#store.db, this.#site, c.lineId, c.operator, now));
  }

  /** A voice confirm or short is for the operator's own task. */
  #checkVoice(c: LineCommand): void {
    if (c.via !== 'voice') return;
    if (c.operator === undefined)
      throw new PicklineError('INVALID_REQUEST', 'a voice pick names its operator', [
        { path: '/operator', message: 'is required' },
      ]);
    this.#checkOperator(c.operator);
    const operator = c.operator;
    this.#store.tx(() => assignedLine(this.#store.db, this.#site, c.lineId, operator));
  }

  #checkOperator(operator: string): void {
    const ops = this.#site.operators;
    if (ops.size > 0 && !ops.has(operator))
      throw new PicklineError('UNKNOWN_OPERATOR', `"${operator}" is not a configured operator`, [
        { path: '/operator', message: 'is not one of the configured operators' },
      ]);
  }
}
