/**
 * The floor commands: the one way into the floor. Every input channel drives
 * these and nothing else: REST routes (api/routes/floor.ts), the voice desk
 * (controller/voice/), configured scanners (MQTT), module keys (keys.ts),
 * technician tasks (holds) and the wave service (a cancelled wave). A command
 * checks who acts and what it names, then calls one engine rule (picking.ts,
 * voice.ts, holds.ts); picks go through the one commit path, so each line is
 * recorded, and its event appended, exactly once whichever channel closed it.
 * Built by the composition root from the engine's parts. A new command is a
 * new method here (and, when it needs one, a new rule beside the others); one
 * that answers a promise refuses by rejecting it, never by throwing.
 *
 * The person is the "operator" here; channels whose contract calls them
 * `picker` (scan and confirm bodies, answers, events) translate at their edge.
 */

import type { Color } from '../../config/schema.ts';
import type { KeyEvent, ModuleAddress } from '../../device-drivers/types.ts';
import { PicklineError } from '../../kernel/errors.ts';
import type { Site, Zone } from '../site.ts';
import type { Store } from '../store/db.ts';
import type { LineRow } from '../waves/repo.ts';
import type { Hold, Holds, ModuleHolder } from './holds.ts';
import type { Picking, PressOutcome, ScanResult, SessionView } from './picking.ts';
import type { PickResult, Via } from './picks.ts';
import { sessions } from './repo.ts';
import { type ZoneStatus, zoneStatus } from './status.ts';
import {
  assignedLine,
  currentTask,
  nextLightOrder,
  nextTask,
  skipLine,
  type VoiceTask,
  voiceZone,
} from './voice.ts';

export type { PressOutcome, ScanResult, SessionView } from './picking.ts';
export type { VoiceTask } from './voice.ts';

export interface ScanCommand {
  zone: string;
  /** container or orderId (pick zone), SKU (put wall) */
  code: string;
  /** who scans; when absent, the configured scanner's operator */
  operator?: string;
  /** a configured scanner (`scanners[]`): supplies operator and colour */
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

export type ReleaseCommand = { zone: string } & ({ orderId: string } | { operator: string });

/** The engine parts the commands are built from (engine.ts owns them). */
export interface FloorParts {
  store: Store;
  site: Site;
  picking: Picking;
  holds: Holds;
}

export class FloorCommands implements ModuleHolder {
  readonly #store: Store;
  readonly #site: Site;
  readonly #picking: Picking;
  readonly #holds: Holds;

  constructor(parts: FloorParts) {
    this.#store = parts.store;
    this.#site = parts.site;
    this.#picking = parts.picking;
    this.#holds = parts.holds;
  }

  /**
   * A scan at a pick zone or put wall. A scanner's scan names no operator:
   * the scanner's configuration does, and its colour. Neither → INVALID_REQUEST.
   */
  async scan(c: ScanCommand): Promise<ScanResult> {
    let operator = c.operator;
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
      operator ??= s.operator;
      if (operator === s.operator) color = s.color;
    }
    if (operator === undefined)
      throw new PicklineError(
        'INVALID_REQUEST',
        'a scan names its operator or a configured scanner',
        [{ path: '/operator', message: 'is required when no scanner is named' }],
      );
    const zone = this.#zone(c.zone);
    if (zone.mode === 'voice')
      throw new PicklineError(
        'BAD_REQUEST',
        `zone ${zone.id} is a voice zone: it has no lights to scan at`,
      );
    this.#checkOperator(operator);
    return this.#picking.scan(zone, c.code, operator, color);
  }

  async confirm(c: LineCommand): Promise<PickResult> {
    this.#checkLine(c);
    return this.#picking.close(c.lineId, {
      quantity: c.quantity,
      operator: c.operator ?? null,
      via: c.via,
      reason: c.reason,
    });
  }

  async short(c: LineCommand): Promise<PickResult> {
    this.#checkLine(c);
    return this.#picking.close(c.lineId, {
      quantity: c.quantity,
      operator: c.operator ?? null,
      via: c.via,
      short: true,
      reason: c.reason ?? (c.via === 'voice' ? 'short-product' : 'operator'),
    });
  }

  /** A module key (keys.ts): confirms or shorts the job the module shows; never throws for a bad press. */
  async press(e: KeyEvent): Promise<PressOutcome> {
    return this.#picking.press(e);
  }

  /** Supervisor: ends one order's session in the zone; its lights go off, its lines open again. */
  async endSession(c: { zone: string; orderId: string }): Promise<SessionView> {
    return this.#picking.endSession(c.zone, c.orderId);
  }

  /**
   * Ends one order's session in the zone, or every session of an operator there:
   * their colour is free again, lines they had lit go dark and back to open.
   */
  async release(c: ReleaseCommand): Promise<SessionView[]> {
    if ('orderId' in c) return [await this.endSession(c)];
    this.#zone(c.zone);
    const mine = sessions(this.#store.db, c.zone).filter((s) => s.picker === c.operator);
    if (mine.length === 0)
      throw new PicklineError(
        'SESSION_NOT_FOUND',
        `${c.operator} has no session in zone ${c.zone}`,
      );
    const out: SessionView[] = [];
    for (const s of mine) out.push(await this.endSession({ zone: c.zone, orderId: s.order_id }));
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
    const zone = this.#zone(c.zone);
    if (zone.mode !== 'pick')
      throw new PicklineError(
        'BAD_REQUEST',
        `zone ${c.zone} is a ${zone.mode} zone, not a pick zone`,
      );
    this.#checkOperator(c.operator);
    const orderId = this.#store.tx(() => nextLightOrder(this.#store.db, zone, c.operator));
    if (orderId === null) return null;
    const r = await this.#picking.scan(zone, orderId, c.operator, null);
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

  /** Technician: takes a module from the floor (holds.ts); MODULE_BUSY while it shows a job. */
  hold(bus: string, address: ModuleAddress, purpose: string): Promise<Hold> {
    return this.#holds.acquire(bus, address, purpose);
  }

  heldFor(bus: string, address: ModuleAddress): string | null {
    return this.#holds.heldFor(bus, address);
  }

  /** Wave service: lines of a cancelled wave go dark; their modules serve waiting lines. */
  waveCancelled(_waveId: string, litLines: LineRow[]): void {
    this.#picking.waveCancelled(litLines);
  }

  /** Live state of a zone: active orders with their operators, lit modules. */
  zoneStatus(zoneId: string): ZoneStatus {
    return zoneStatus(this.#store.db, this.#site, zoneId);
  }

  #zone(zoneId: string): Zone {
    const zone = this.#site.zones.get(zoneId);
    if (!zone) throw new PicklineError('ZONE_NOT_FOUND', `no zone ${zoneId}`);
    return zone;
  }

  /** A confirm or short names a configured operator; a voice one, the operator whose task it is. */
  #checkLine(c: LineCommand): void {
    if (c.operator !== undefined) this.#checkOperator(c.operator);
    if (c.via !== 'voice') return;
    if (c.operator === undefined)
      throw new PicklineError('INVALID_REQUEST', 'a voice pick names its operator', [
        { path: '/operator', message: 'is required' },
      ]);
    const operator = c.operator;
    this.#store.tx(() => assignedLine(this.#store.db, this.#site, c.lineId, operator));
  }

  /**
   * The one operator rule: with operators configured, whoever acts must be
   * one of them (the id is recorded on picks). UNKNOWN_OPERATOR, 422; the
   * detail names the `/operator` field (REST bodies that call it `picker`
   * rename it, api/routes/floor.ts).
   */
  #checkOperator(operator: string): void {
    const ops = this.#site.operators;
    if (ops.size > 0 && !ops.has(operator))
      throw new PicklineError('UNKNOWN_OPERATOR', `"${operator}" is not a configured operator`, [
        { path: '/operator', message: 'is not one of the configured operators' },
      ]);
  }
}
