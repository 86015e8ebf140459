/**
 * Simulated WMS: a webhook receiver with signature checks, dedupe and fault
 * modes, and a client that posts waves. Run standalone with
 * `node bin/run-ts.js simulators/wms/cli.ts --port 9090 --secret s`.
 */
export { postWave, type WaveReply } from './client.ts';
export {
  type ReceivedEvent,
  type WmsCounters,
  type WmsMode,
  WmsSimulator,
  type WmsSimulatorOptions,
} from './server.ts';
