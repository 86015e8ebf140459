/**
 * Loads device profiles (JSON files in `config/profiles/`) and validates each
 * against `Profile` (generic `capabilities` + the `modbus` register map). A broken profile is a config error, reported with every
 * problem, before anything starts.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type ErrorDetail, PicklineError } from '../kernel/errors.ts';
import { rootPath } from '../kernel/root.ts';
import { Profile } from './profile-schema.ts';
import { makeAjv, validateAll } from './validate.ts';

export const PROFILE_DIR = rootPath('config', 'profiles');

const check = makeAjv({ useDefaults: false }).compile(Profile);

/** Semantic checks the schema cannot express. */
function profileProblems(p: Profile): ErrorDetail[] {
  const out: ErrorDetail[] = [];
  const m = p.modbus;
  if (p.capabilities.displayDigits !== undefined && !p.capabilities.display) {
    out.push({ path: '/capabilities/displayDigits', message: 'needs display: true' });
  }
  if (m.light.fc === 6 && m.light.fields.length !== 1) {
    out.push({
      path: '/modbus/light/fields',
      message: 'FC06 writes one register: give exactly one field',
    });
  }
  if (m.light.fc === 5 && m.light.fields.length !== 1) {
    out.push({
      path: '/modbus/light/fields',
      message: 'FC05 writes one coil: give exactly one field',
    });
  }
  if (m.light.kind === 'registers' && m.light.fields.includes('color') && !m.encoding.color) {
    out.push({
      path: '/modbus/encoding/color',
      message: 'is required when the light write carries a colour',
    });
  }
  if (m.events.kind === 'counter' && !m.events.fields.includes('count')) {
    out.push({
      path: '/modbus/events/fields',
      message: 'a counter event read must include "count"',
    });
  }
  for (const mode of p.capabilities.modes) {
    if (mode !== 'on' && m.encoding.mode[mode as 'blink' | 'fast'] === undefined) {
      out.push({
        path: `/modbus/encoding/mode/${mode}`,
        message: `is required: capability lists mode "${mode}"`,
      });
    }
  }
  return out;
}

export function parseProfile(data: unknown, source = 'profile'): Profile {
  const r = validateAll<Profile>(check, data);
  const errors = r.ok ? profileProblems(r.value) : r.errors;
  if (errors.length > 0) {
    throw new PicklineError('PROFILE_INVALID', `${source}: ${errors.length} problem(s)`, errors);
  }
  return data as Profile;
}

/** All profiles of a directory (default: the shipped ones), keyed by name. */
export function loadProfiles(dir = PROFILE_DIR): Map<string, Profile> {
  const out = new Map<string, Profile>();
  for (const f of readdirSync(dir)
    .filter((n) => n.endsWith('.json'))
    .sort()) {
    const file = join(dir, f);
    let data: unknown;
    try {
      data = JSON.parse(readFileSync(file, 'utf8'));
    } catch (e) {
      throw new PicklineError('PROFILE_INVALID', `${file}: ${(e as Error).message}`);
    }
    const p = parseProfile(data, file);
    if (out.has(p.name))
      throw new PicklineError('PROFILE_INVALID', `${file}: duplicate profile name ${p.name}`);
    out.set(p.name, p);
  }
  return out;
}
