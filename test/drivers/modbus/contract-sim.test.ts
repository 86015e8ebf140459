/** The driver contract suites against the simulator: in memory, Modbus TCP, RTU on a socat pty. */
import { socatAvailable } from '../../helpers/socat.ts';
import { modbusProfileContract } from '../contract/modbus-profile.contract.ts';
import { neutralContract } from '../contract/neutral.contract.ts';
import { memoryPeer, simRtuPeer, simTcpPeer } from '../contract/sim-peers.ts';

const peers = [
  ['simulator in memory', memoryPeer, false],
  ['simulator over Modbus TCP', simTcpPeer, false],
  ['simulator over RTU on a pty (115200, wire time emulated)', simRtuPeer(), !socatAvailable()],
] as const;

for (const [name, factory, skip] of peers) {
  neutralContract(name, factory, { skip });
  modbusProfileContract(name, factory, { skip });
}
