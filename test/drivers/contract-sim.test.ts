/** The LightBus contract against helper-1's simulator: in memory, Modbus TCP, RTU on a socat pty. */
import { socatAvailable } from '../helpers/socat.ts';
import { lightBusContract } from './contract/light-bus.contract.ts';
import { memoryPeer, simRtuPeer, simTcpPeer } from './contract/sim-peers.ts';

lightBusContract('simulator in memory', memoryPeer);
lightBusContract('simulator over Modbus TCP', simTcpPeer);
lightBusContract('simulator over RTU on a pty (115200, wire time emulated)', simRtuPeer(), {
  skip: !socatAvailable(),
});
