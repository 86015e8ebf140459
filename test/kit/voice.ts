/** Kit (see harness.ts): the API with the voice gateway over a fake floor, and voice waves. */
export { type VoiceFloor, voiceFloor, voiceWave } from '../helpers/voice.ts';
