/**
 * The controller of bench/soak.ts in its own process, composed as `pickline
 * start` composes it: the simulated floor of every family (Modbus banks on free
 * ports, MQTT modules attached when the embedded broker listens) beside a
 * controller whose press route reaches them. Measured here, alone: RSS, heap,
 * event-loop delay, open handles.
 * IPC: {start, config} → {ready, url}; {go} (event-loop histogram reset);
 * {sample} → {sample, rss, heapUsed, heapTotal, external} after a full GC; → {closed, lineId,
 * location, at} for every line.picked / line.shorted (epoch ms, sub-ms);
 * {stop} → {stopped, elDelayP99Ms, elDelayMaxMs, handlesBefore, handlesAfter}.
 * Logs: the controller's JSON lines (warn and above) on stdout.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { SimulatedFloor } from '../app/floor.ts';
import { Controller } from '../app/main.ts';
import { loadConfig } from '../config/load.ts';

const now = () => performance.timeOrigin + performance.now();
const loop = monitorEventLoopDelay({ resolution: 5 });
let controller: Controller | null = null;
let floor: SimulatedFloor | null = null;

/** Active handles by type (PipeWrap/TTYWrap include this process's stdio and IPC channel). */
function handles(): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of process.getActiveResourcesInfo()) out[r] = (out[r] ?? 0) + 1;
  return out;
}

const send = (m: Record<string, unknown>) => process.send?.(m);

process.on('message', async (m: { cmd: string; config?: string }) => {
  if (m.cmd === 'start') {
    const loaded = loadConfig(m.config!, {});
    floor = new SimulatedFloor(loaded.config, loaded.profiles, { ephemeral: true });
    const where = await floor.start();
    for (const b of loaded.config.buses)
      if (b.transport === 'modbus-tcp' && where.has(b.id)) b.port = where.get(b.id)!.port;
    const f = floor;
    controller = new Controller(loaded, {
      simulator: f,
      onBrokerListening: (url) => f.attach(url),
    });
    controller.outbox.onEvent((e) => {
      if (e.type === 'line.picked' || e.type === 'line.shorted')
        send({ cmd: 'closed', lineId: e.data.lineId, location: e.data.location, at: now() });
    });
    await controller.start();
    send({ cmd: 'ready', url: `http://127.0.0.1:${controller.address.port}` });
  } else if (m.cmd === 'go') {
    loop.reset();
    loop.enable();
  } else if (m.cmd === 'sample') {
    // after a full collection (--expose-gc): what is still reachable, not what awaits collection
    (globalThis as { gc?: () => void }).gc?.();
    const u = process.memoryUsage();
    send({
      cmd: 'sample',
      rss: u.rss,
      heapUsed: u.heapUsed,
      heapTotal: u.heapTotal,
      external: u.external,
    });
  } else if (m.cmd === 'stop') {
    loop.disable();
    const handlesBefore = handles();
    await floor?.mqtt.stop(); // modules leave before the broker does
    await controller?.stop();
    await floor?.stop();
    // let closed sockets finish closing before counting what is left
    await new Promise((r) => setTimeout(r, 200));
    send({
      cmd: 'stopped',
      elDelayP99Ms: loop.percentile(99) / 1e6,
      elDelayMaxMs: loop.max / 1e6,
      handlesBefore,
      handlesAfter: handles(),
    });
    process.disconnect?.();
  }
});
