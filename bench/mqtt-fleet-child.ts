/**
 * The module fleet of bench/mqtt-fleet.ts and bench/mqtt-stale.ts, in its
 * own process so the controller's RSS and CPU are measured alone. IPC:
 * {start, url, ids, watch?} → {ready}; {press, id} → {pressed, id, at}
 * (epoch ms, sub-ms); {silent, on}: every module ignores `set` (or not);
 * {drop, ids}: those connections break (they reconnect by themselves);
 * with `watch`, every `set` shown → {set, id, seq, mode, at}.
 */
import { MqttFleet } from '../simulators/mqtt/index.ts';

const now = () => performance.timeOrigin + performance.now();
let fleet: MqttFleet | null = null;

type Msg = {
  cmd: string;
  url?: string;
  ids?: string[];
  id?: string;
  on?: boolean;
  watch?: boolean;
};

process.on('message', async (m: Msg) => {
  if (m.cmd === 'start') {
    fleet = new MqttFleet({
      url: m.url!,
      concurrency: 50,
      connectTimeoutMs: 60000,
      modules: m.ids!.map((id) => ({ id, secret: `device-secret-of-${id}` })),
    });
    await fleet.start();
    if (m.watch)
      for (const mod of fleet.modules())
        void (async () => {
          while (fleet) {
            const s = await mod.nextSet();
            process.send?.({ cmd: 'set', id: mod.id, seq: s.seq, mode: s.mode, at: now() });
          }
        })();
    process.send?.({ cmd: 'ready' });
  } else if (m.cmd === 'press' && fleet) {
    const mod = fleet.module(m.id!);
    const at = now();
    await mod.press('confirm');
    process.send?.({ cmd: 'pressed', id: m.id, at, seq: mod.shown.seq });
  } else if (m.cmd === 'silent' && fleet) {
    for (const mod of fleet.modules()) mod.fault = m.on ? { kind: 'silent' } : null;
    process.send?.({
      cmd: 'silent',
      ignored: fleet.modules().reduce((n, x) => n + x.counters.ignored, 0),
    });
  } else if (m.cmd === 'drop' && fleet) {
    for (const id of m.ids ?? []) fleet.module(id).drop();
  } else if (m.cmd === 'stop') {
    await fleet?.stop();
    process.exit(0);
  }
});
