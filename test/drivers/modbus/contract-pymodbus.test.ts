/** The driver contract suites against an independent Modbus stack (pymodbus), over TCP and RTU on a pty. */
import { socatAvailable } from '../../helpers/socat.ts';
import { pymodbusAvailable } from '../../peers/pymodbus.ts';
import { modbusProfileContract } from '../contract/modbus-profile.contract.ts';
import { neutralContract } from '../contract/neutral.contract.ts';
import { pymodbusRtuPeer, pymodbusTcpPeer } from '../contract/pymodbus-peers.ts';

const havePymodbus = pymodbusAvailable() !== null;
const peers = [
  ['pymodbus over Modbus TCP', pymodbusTcpPeer, !havePymodbus],
  ['pymodbus over RTU on a pty', pymodbusRtuPeer, !havePymodbus || !socatAvailable()],
] as const;

for (const [name, factory, skip] of peers) {
  neutralContract(name, factory, { skip });
  modbusProfileContract(name, factory, { skip });
}
