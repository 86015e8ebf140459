/**
 * Loads device profiles (JSON files in `config/profiles/`) and validates each
 * against `Profile`. A broken profile is a config error, reported with every
 * problem, before anything starts.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type ErrorDetail, PicklineError } from './errors.ts';
import { Profile } from './profile-schema.ts';
import { rootPath } from './root.ts';
import { makeAjv, validateAll } from './validate.ts';

export const PROFILE_DIR = rootPath('config', 'profiles');

const check = makeAjv({ useDefaults: false }).compile(Profile);

/** Semantic checks the schema cannot express. */
function profileProblems(p: Profile): ErrorDetail[] {
  const out: ErrorDetail[] = [];
  if (p.light.fc === 6 && p.light.fields.length !== 1) {
    out.push({
      path: '/light/fields',
      message: 'FC06 writes one register: give exactly one field',
    });
  }
  if (p.light.fc === 5 && p.light.fields.length !== 1) {
    out.push({ path: '/light/fields', message: 'FC05 writes one coil: give exactly one field' });
  }
  if (p.light.kind === 'registers' && p.light.fields.includes('color') && !p.encoding.color) {
    out.push({
      path: '/encoding/color',
      message: 'is required when the light write carries a colour',
    });
  }
  if (p.events.kind === 'counter' && !p.events.fields.includes('count')) {
    out.push({ path: '/events/fields', message: 'a counter event read must include "count"' });
  }
  for (const m of p.capabilities.modes) {
    if (m !== 'on' && p.encoding.mode[m as 'blink' | 'fast'] === undefined) {
      out.push({
        path: `/encoding/mode/${m}`,
        message: `is required: capability lists mode "${m}"`,
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
