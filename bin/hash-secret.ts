/**
 * Prints the hash the site file stores instead of a secret (config/secret.ts):
 * an MQTT device's `secretHash`, or with `--pin` an operator's `pinHash`.
 *   openssl rand -hex 16 | tee device.secret | node bin/run-ts.js bin/hash-secret.ts
 *   node bin/run-ts.js bin/hash-secret.ts --pin        # type the PIN, then Enter
 * The secret or PIN is read from stdin, not the command line, so it stays out
 * of the shell history and the process list. Exit 2 on a bad input.
 */
import { hashPin, hashSecret } from '../config/secret.ts';

const args = process.argv.slice(2);
const pinMode = args.includes('--pin');
if (args.some((a) => a !== '--pin')) {
  console.error('usage: hash-secret [--pin]   (the secret or PIN on stdin)');
  process.exit(2);
}
if (pinMode && process.stdin.isTTY) process.stderr.write('PIN: ');
let input = '';
process.stdin.setEncoding('utf8');
for await (const chunk of process.stdin) {
  input += chunk;
  if (process.stdin.isTTY && input.includes('\n')) break;
}
const secret = input.trim();
if (pinMode) {
  // the same rule as operators[].pin (config/schema.ts)
  if (!/^[0-9]{4,8}$/.test(secret)) {
    console.error('hash-secret: a PIN is 4 to 8 digits');
    process.exit(2);
  }
  console.log(await hashPin(secret));
} else {
  if (secret.length < 16) {
    console.error('hash-secret: the secret must have at least 16 characters');
    process.exit(2);
  }
  console.log(hashSecret(secret));
}
process.exit(0);
