/** ABLEPick controller simulator (AT500-like) with its tags. See docs/simulators.md. */
export {
  type AblePickCounters,
  AblePickSimulator,
  type AblePickSimulatorOptions,
  type SimPort,
} from './controller.ts';
export { DARK, SimTag, type TagFault, type TagLook } from './tag.ts';
