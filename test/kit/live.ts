/** Kit (see harness.ts): the whole controller on the simulated demo floor, with a WMS receiver. */
export { type LiveSite, liveSite } from '../helpers/live.ts';
