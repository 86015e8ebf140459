/**
 * What the `mqtt` key and MQTT buses need beyond the schema (CONTRACTS.md §5):
 * a broker (exactly one of `embedded` and `url`) when an MQTT bus or a device
 * is configured; one secret form per device; unique device ids; on the
 * embedded broker, credentials for every module an MQTT bus uses (the broker
 * refuses a device it cannot authenticate). A scanner without credentials is
 * fine: it scans over REST. Client ids starting `pickline-` are the
 * controller's (contract-extensions.md "MQTT (§2)"): no module, scanner or consumer id may start so,
 * and on the embedded broker the controller's own `clientId` must.
 * `consumers` are logins of the embedded broker only.
 */
import type { ErrorDetail } from '../kernel/errors.ts';
import type { SiteConfig } from './schema.ts';

/** client ids of this form belong to the controller (device-drivers/mqtt/broker.ts) */
const CONTROLLER_PREFIX = 'pickline-';

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
  const reserved = (id: unknown, path: string) => {
    if (typeof id === 'string' && id.startsWith(CONTROLLER_PREFIX))
      out.push({
        path,
        message: `"${id}": ids starting ${CONTROLLER_PREFIX} are the controller's`,
      });
  };
  (Array.isArray(c.zones) ? c.zones : []).forEach((z, i) => {
    (Array.isArray(z?.locations) ? z.locations : []).forEach((l, j) => {
      if (l?.bus && mqttBuses.has(l.bus)) reserved(l.address, `/zones/${i}/locations/${j}/address`);
    });
  });
  (Array.isArray(c.scanners) ? c.scanners : []).forEach((s, i) => {
    reserved(s?.id, `/scanners/${i}/id`);
  });
  if (m.embedded && m.clientId !== undefined && !m.clientId.startsWith(CONTROLLER_PREFIX))
    out.push({
      path: '/mqtt/clientId',
      message: `on the embedded broker the controller's client id must start ${CONTROLLER_PREFIX}`,
    });
  if (!m.embedded && (m.consumers?.length || m.maxPacketBytes !== undefined))
    out.push({
      path: '/mqtt',
      message:
        'consumers and maxPacketBytes are for the embedded broker; an external one has its own',
    });
  for (const kind of ['modules', 'scanners', 'consumers'] as const) {
    (Array.isArray(m[kind]) ? m[kind] : []).forEach((d, i) => {
      if (!d || typeof d !== 'object') return;
      const at = `/mqtt/${kind}/${i}`;
      reserved(d.id, `${at}/id`);
      if (ids.has(d.id))
        out.push({ path: `${at}/id`, message: `"${d.id}" already has credentials` });
      else ids.set(d.id, kind);
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
