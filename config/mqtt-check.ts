/**
 * What the `mqtt` key and MQTT buses need beyond the schema (CONTRACTS.md §5):
 * a broker (exactly one of `embedded` and `url`) when an MQTT bus or a device
 * is configured; one secret form per device; unique device ids; on the
 * embedded broker, credentials for every module an MQTT bus uses (the broker
 * refuses a device it cannot authenticate). A scanner without credentials is
 * fine: it scans over REST.
 */
import type { ErrorDetail } from './errors.ts';
import type { SiteConfig } from './schema.ts';

export function mqttProblems(c: SiteConfig): ErrorDetail[] {
  const out: ErrorDetail[] = [];
  const m = c.mqtt;
  const mqttBuses = new Set(
    (Array.isArray(c.buses) ? c.buses : []).filter((b) => b?.transport === 'mqtt').map((b) => b.id),
  );
  if (!m) {
    if (mqttBuses.size > 0)
      out.push({ path: '/mqtt', message: 'an MQTT bus needs mqtt.embedded or mqtt.url' });
    return out;
  }
  if (m.embedded && m.url)
    out.push({ path: '/mqtt', message: 'embedded and url exclude each other: pick one broker' });
  if (!m.embedded && !m.url)
    out.push({ path: '/mqtt', message: 'needs embedded (the built-in broker) or url' });
  const ids = new Map<string, string>();
  for (const kind of ['modules', 'scanners'] as const) {
    (Array.isArray(m[kind]) ? m[kind] : []).forEach((d, i) => {
      if (!d || typeof d !== 'object') return;
      const at = `/mqtt/${kind}/${i}`;
      if (ids.has(d.id))
        out.push({ path: `${at}/id`, message: `"${d.id}" already has credentials` });
      ids.set(d.id, kind);
      if ((d.secret === undefined) === (d.secretHash === undefined))
        out.push({ path: at, message: 'needs exactly one of secret and secretHash' });
    });
  }
  if (!m.embedded) return out;
  const need = (id: unknown, kind: 'modules', path: string) => {
    if (typeof id === 'string' && ids.get(id) !== kind)
      out.push({ path, message: `${id} has no credentials in mqtt.${kind}` });
  };
  (Array.isArray(c.zones) ? c.zones : []).forEach((z, i) => {
    (Array.isArray(z?.locations) ? z.locations : []).forEach((l, j) => {
      if (l?.bus && mqttBuses.has(l.bus))
        need(l.address, 'modules', `/zones/${i}/locations/${j}/address`);
    });
    if (z?.doneIndicator && mqttBuses.has(z.doneIndicator.bus))
      need(z.doneIndicator.address, 'modules', `/zones/${i}/doneIndicator/address`);
  });
  return out;
}
