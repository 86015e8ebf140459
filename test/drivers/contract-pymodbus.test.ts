/** The LightBus contract against an independent Modbus stack (pymodbus), over TCP and RTU on a pty. */
import { socatAvailable } from '../helpers/socat.ts';
import { pymodbusAvailable } from '../peers/pymodbus.ts';
import { lightBusContract } from './contract/light-bus.contract.ts';
import { pymodbusRtuPeer, pymodbusTcpPeer } from './contract/pymodbus-peers.ts';

const havePymodbus = pymodbusAvailable() !== null;
lightBusContract('pymodbus over Modbus TCP', pymodbusTcpPeer, { skip: !havePymodbus });
lightBusContract('pymodbus over RTU on a pty', pymodbusRtuPeer, {
  skip: !havePymodbus || !socatAvailable(),
});
