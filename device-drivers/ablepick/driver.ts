/** The ABLEPick driver (config/transports/ablepick.ts): tags behind one controller per bus. */
import { ablepick } from '../../config/transports/ablepick.ts';
import { defineDriver } from '../driver.ts';
import { createAblePickBus } from './factory.ts';

export const ablepickDriver = defineDriver('ablepick', [ablepick], createAblePickBus);
