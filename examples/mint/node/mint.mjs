// Prints one bridge token for the customer described by the AFORO_* environment variables (see ../README.md).
// A tenant's backend imports the helper as `aforo-bridge/mint`; inside this repository the sample runs the source
// through tsx, so no build is needed.
import { readFileSync } from 'node:fs';
import { mintBridgeToken } from '../../../lib/mint.ts';

function fail(message) {
  process.stderr.write(`mint: ${message}\n`);
  process.exit(2);
}

function required(name) {
  const value = process.env[name];
  if (!value) fail(`${name} is required`);
  return value;
}

function signingKey(alg) {
  if (alg === 'HS256') return required('AFORO_SECRET');
  if (process.env.AFORO_PRIVATE_KEY_PEM) return process.env.AFORO_PRIVATE_KEY_PEM;
  if (process.env.AFORO_PRIVATE_KEY_FILE) return readFileSync(process.env.AFORO_PRIVATE_KEY_FILE, 'utf8');
  return fail('RS256 needs AFORO_PRIVATE_KEY_PEM or AFORO_PRIVATE_KEY_FILE');
}

const alg = required('AFORO_ALG');
if (alg !== 'HS256' && alg !== 'RS256') fail('AFORO_ALG must be HS256 or RS256');

try {
  const token = await mintBridgeToken({
    kid: required('AFORO_KID'),
    alg,
    key: signingKey(alg),
    externalCustomerId: required('AFORO_EXTERNAL_CUSTOMER_ID'),
    ...(process.env.AFORO_EMAIL ? { email: process.env.AFORO_EMAIL } : {}),
    ...(process.env.AFORO_NAME ? { name: process.env.AFORO_NAME } : {}),
  });
  process.stdout.write(`${token}\n`);
} catch (error) {
  fail(error instanceof Error ? error.message : String(error));
}
