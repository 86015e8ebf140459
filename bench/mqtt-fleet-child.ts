/**
 * The module fleet of bench/mqtt-fleet.ts, in its own process so the
 * controller's RSS and CPU are measured alone. IPC: {start, url, ids,
 * secret} → {ready}; {press, id} → {pressed, id, at} (epoch ms, sub-ms).
 */
import { MqttFleet } from '../simulators/mqtt/index.ts';

const now = () => performance.timeOrigin + performance.now();
let fleet: MqttFleet | null = null;

process.on('message', async (m: { cmd: string; url?: string; ids?: string[]; id?: string }) => {
  if (m.cmd === 'start') {
    fleet = new MqttFleet({
      url: m.url!,
      concurrency: 50,
      connectTimeoutMs: 60000,
      modules: m.ids!.map((id) => ({ id, secret: `device-secret-of-${id}` })),
    });
    await fleet.start();
    process.send?.({ cmd: 'ready' });
  } else if (m.cmd === 'press' && fleet) {
    const mod = fleet.module(m.id!);
    const at = now();
    await mod.press('confirm');
    process.send?.({ cmd: 'pressed', id: m.id, at, seq: mod.shown.seq });
  } else if (m.cmd === 'stop') {
    await fleet?.stop();
    process.exit(0);
  }
});
