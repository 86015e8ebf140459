/**
 * JSON Schema validation with every error reported (Ajv `allErrors`), each as
 * a `{path, message}` pair whose path is a JSON pointer (RFC 6901). Tagged
 * unions (`oneOf` + `discriminator`) validate only the branch the tag picks;
 * `verbose` gives each error its schema, from which `x-variant` / `x-unknown`
 * annotations (config/transports/bus.ts) and `x-pattern-message` (a pattern
 * said in words, config/schema.ts) make the messages precise.
 */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsImport from 'ajv-formats';
import type { ErrorDetail } from '../kernel/errors.ts';

// ajv-formats is CommonJS; under NodeNext its default export is the module object.
const addFormats = addFormatsImport as unknown as (ajv: Ajv) => Ajv;

export function makeAjv(opts: { useDefaults?: boolean; coerceTypes?: boolean } = {}): Ajv {
  const ajv = new Ajv({
    allErrors: true,
    strict: false,
    useDefaults: opts.useDefaults ?? true,
    coerceTypes: opts.coerceTypes ?? false,
    discriminator: true,
    verbose: true,
  });
  addFormats(ajv);
  return ajv;
}

export function describeAjvError(e: ErrorObject): ErrorDetail {
  let path = e.instancePath;
  let message = e.message ?? 'is invalid';
  const p = e.params as Record<string, unknown>;
  const parent = (e.parentSchema ?? {}) as Record<string, unknown>;
  const variant = typeof parent['x-variant'] === 'string' ? ` for ${parent['x-variant']}` : '';
  if (e.keyword === 'required') {
    path = `${path}/${String(p.missingProperty)}`;
    message = `is required${variant}`;
  } else if (e.keyword === 'additionalProperties') {
    path = `${path}/${String(p.additionalProperty)}`;
    message = variant ? `is not allowed${variant}` : 'is not an allowed property';
  } else if (e.keyword === 'discriminator') {
    const tag = String(p.tag);
    const known = ((parent.oneOf ?? []) as { properties?: Record<string, { const?: unknown }> }[])
      .map((b) => b.properties?.[tag]?.const)
      .join(', ');
    path = `${path}/${tag}`;
    const value = p.tagValue;
    message =
      value === undefined
        ? `is required (one of ${known})`
        : typeof value !== 'string'
          ? `must be one of ${known}`
          : `${tag} "${value}" ${String(parent['x-unknown'] ?? 'is unknown')} (known: ${known})`;
  } else if (e.keyword === 'pattern' && typeof parent['x-pattern-message'] === 'string') {
    message = parent['x-pattern-message'];
  } else if (e.keyword === 'const' || e.keyword === 'enum') {
    const allowed = (p.allowedValues as unknown[] | undefined) ?? [p.allowedValue];
    message = `must be one of ${allowed.map((v) => JSON.stringify(v)).join(', ')}`;
  }
  return { path: path || '/', message };
}

/**
 * Ajv reports a failed `anyOf` of literals as one error per branch plus the
 * anyOf itself; fold those into one "must be one of" detail per path.
 */
export function collectErrors(errors: ErrorObject[] | null | undefined): ErrorDetail[] {
  if (!errors) return [];
  const literalUnions = new Map<string, unknown[]>();
  const out: ErrorDetail[] = [];
  const seen = new Set<string>();
  for (const e of errors) {
    if (e.keyword === 'const' && /\/anyOf\/\d+\/const$/.test(e.schemaPath)) {
      const list = literalUnions.get(e.instancePath) ?? [];
      list.push((e.params as { allowedValue: unknown }).allowedValue);
      literalUnions.set(e.instancePath, list);
    }
  }
  for (const e of errors) {
    if (literalUnions.has(e.instancePath) && (e.keyword === 'const' || e.keyword === 'anyOf')) {
      if (e.keyword === 'anyOf') {
        const allowed = literalUnions.get(e.instancePath)!;
        push({
          path: e.instancePath || '/',
          message: `must be one of ${allowed.map((v) => JSON.stringify(v)).join(', ')}`,
        });
      }
      continue;
    }
    push(describeAjvError(e));
  }
  return out;

  function push(d: ErrorDetail): void {
    const key = `${d.path}\u0000${d.message}`;
    if (seen.has(key)) return;
    seen.add(key);
    out.push(d);
  }
}

export function validateAll<T>(
  fn: ValidateFunction,
  data: unknown,
): { ok: true; value: T } | { ok: false; errors: ErrorDetail[] } {
  if (fn(data)) return { ok: true, value: data as T };
  return { ok: false, errors: collectErrors(fn.errors) };
}

/** `/zones/0/locations/3/bus` → `zones[0].locations[3].bus` for humans reading a config. */
export function pointerToDotted(pointer: string): string {
  if (pointer === '/' || pointer === '') return '(root)';
  return pointer
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce(
      (acc, part) => (/^\d+$/.test(part) ? `${acc}[${part}]` : acc ? `${acc}.${part}` : part),
      '',
    );
}
