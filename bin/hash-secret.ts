/**
 * Prints the `secretHash` of an MQTT device secret (config/secret.ts):
 *   node bin/run-ts.js bin/hash-secret.ts            # reads the secret from stdin
 *   openssl rand -hex 16 | tee device.secret | node bin/run-ts.js bin/hash-secret.ts
 * The secret is read from stdin, not the command line, so it stays out of the
 * shell history and the process list.
 */
import { hashSecret } from '../config/secret.ts';

let input = '';
process.stdin.setEncoding('utf8');
for await (const chunk of process.stdin) input += chunk;
const secret = input.trim();
if (secret.length < 16) {
  console.error('hash-secret: the secret must have at least 16 characters');
  process.exit(2);
}
console.log(hashSecret(secret));
