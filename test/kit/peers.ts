/**
 * Kit (see harness.ts): independent peers started from Debian packages — a
 * private mosquitto broker, a private rabbitmq-server node, a socat pty pair.
 */
export { type Mosquitto, startMosquitto } from '../helpers/mosquitto.ts';
export { type RabbitNode, startRabbit } from '../helpers/rabbitmq.ts';
export { openPtyPair, type PtyPair } from '../helpers/socat.ts';
