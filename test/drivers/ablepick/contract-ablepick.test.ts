/** The protocol-neutral driver contract suite against the ABLEPick controller simulator over TCP. */
import { ablePickPeer } from '../contract/ablepick-peer.ts';
import { neutralContract } from '../contract/neutral.contract.ts';

neutralContract('ABLEPick controller simulator over TCP', ablePickPeer);
