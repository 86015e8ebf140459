/** Kit (see harness.ts): the speech corpus (generated utterances) and first-try trials over the gateway. */
export {
  corpusSpeech,
  gatewayFirstTry,
  type PickTrial,
  VOICES,
  voiceName,
} from '../helpers/speech.ts';
