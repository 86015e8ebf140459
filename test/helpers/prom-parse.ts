/**
 * Parses Prometheus text exposition with the official Python client's parser
 * (prometheus_client.parser, Debian python3-prometheus-client): an independent
 * reader of what /metrics serves.
 *
 * Missing: under CI=true it throws naming the Debian package; elsewhere
 * `promParserAvailable()` is false (with a warning) and the test skips.
 */
import { spawnSync } from 'node:child_process';

export const PROM_PARSER_MISSING = 'install Debian package python3-prometheus-client';
const PYTHON = '/usr/bin/python3';

const SCRIPT = `
import json, math, sys
from prometheus_client.parser import text_string_to_metric_families
out = []
for f in text_string_to_metric_families(sys.stdin.read()):
    out.append({"name": f.name, "type": f.type, "samples": [
        {"name": s.name, "labels": s.labels, "value": (str(s.value) if math.isinf(s.value) else s.value)}
        for s in f.samples]})
print(json.dumps(out))
`;

export interface PromFamily {
  name: string;
  type: string;
  samples: { name: string; labels: Record<string, string>; value: number | string }[];
}

export function promParserAvailable(env: NodeJS.ProcessEnv = process.env): boolean {
  const r = spawnSync(PYTHON, ['-c', 'import prometheus_client.parser'], { encoding: 'utf8' });
  if (!r.error && r.status === 0) return true;
  if (env.CI === 'true')
    throw new Error(`prometheus_client not importable: ${PROM_PARSER_MISSING}`);
  console.warn(`skipping: prometheus_client not importable (${PROM_PARSER_MISSING})`);
  return false;
}

/** The families of `text`; throws with the parser's message when it is not valid exposition text. */
export function parseProm(text: string): PromFamily[] {
  const r = spawnSync(PYTHON, ['-c', SCRIPT], { input: text, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`not Prometheus text format: ${r.stderr}`);
  return JSON.parse(r.stdout) as PromFamily[];
}
