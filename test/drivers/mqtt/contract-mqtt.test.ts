/**
 * The neutral driver contract against the MQTT module fleet: on the embedded
 * broker and on a real mosquitto (Debian package, started on a free loopback
 * port with a password file and per-device ACLs).
 */
import { mosquittoAvailable } from '../../helpers/mosquitto.ts';
import { embeddedPeer, mosquittoPeer } from '../contract/mqtt-peers.ts';
import { neutralContract } from '../contract/neutral.contract.ts';

neutralContract('MQTT fleet on the embedded broker', embeddedPeer);
neutralContract('MQTT fleet on mosquitto', mosquittoPeer, { skip: !mosquittoAvailable() });
