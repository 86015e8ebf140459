/** The Modbus driver: both Modbus transports (config/transports/modbus.ts), one factory. */
import { modbusRtu, modbusTcp } from '../../config/transports/modbus.ts';
import { defineDriver } from '../driver.ts';
import { createModbusBus } from './factory.ts';

export const modbusDriver = defineDriver('modbus', [modbusRtu, modbusTcp], createModbusBus);
