import { createPrivateKey } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { BridgeError } from '../../lib/errors.js';
import { DEFAULT_BRIDGE_TOKEN_TTL, MAX_BRIDGE_TOKEN_TTL, mintBridgeToken, type BridgeTokenAlg } from '../../lib/mint.js';
import { UsageError, type Args, type CommandSpec } from '../command.js';
import { Output } from '../output.js';

const KEY_TYPES: Record<string, BridgeTokenAlg> = { rsa: 'RS256', ec: 'ES256', ed25519: 'EdDSA' };

async function signingMaterial(args: Args): Promise<{ alg: BridgeTokenAlg; key: string }> {
  const secret = args.string('secret');
  const keyFile = args.string('private-key');
  if ((secret === undefined) === (keyFile === undefined)) {
    throw new UsageError('give either --secret (HS256) or --private-key (RS256, ES256, EdDSA)', args.command);
  }
  if (secret !== undefined) return { alg: (args.string('alg') as BridgeTokenAlg | undefined) ?? 'HS256', key: secret };
  // The option takes a path; a key pasted in its place must not come back in the error (a terminal, a CI log).
  if ((keyFile as string).includes('-----BEGIN')) {
    throw new UsageError('--private-key (AFORO_PRIVATE_KEY) takes the path of a PEM file, not the key itself', args.command);
  }
  let pem: string;
  try {
    pem = await readFile(keyFile as string, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new UsageError(`cannot read the --private-key file (${code})`, args.command);
  }
  let inferred: BridgeTokenAlg | undefined;
  try {
    inferred = KEY_TYPES[createPrivateKey(pem).asymmetricKeyType ?? ''];
  } catch {
    throw new BridgeError('invalid_request', '--private-key is not a PEM private key');
  }
  const alg = (args.string('alg') as BridgeTokenAlg | undefined) ?? inferred;
  if (!alg) throw new UsageError('--alg is required for this key type', args.command);
  return { alg, key: pem };
}

/** `aforo-bridge mint-token`: a bridge token for testing, signed as a tenant's backend would sign it. */
export const mintToken: CommandSpec = {
  name: 'mint-token',
  summary: 'Prints a bridge token for testing, signed with a key you hold',
  details: [
    'Prefer AFORO_SECRET to --secret so the secret stays out of the process list and shell history.',
    'Your backend mints real tokens with aforo-bridge/mint (or any JWT library).',
  ],
  options: {
    kid: { type: 'string', value: '<sk_…>', description: 'The signing key id', required: true },
    secret: { type: 'string', value: '<secret>', description: 'HS256 secret' },
    'private-key': { type: 'string', value: '<file>', description: 'PKCS#8 PEM private key (RS256, ES256, EdDSA)' },
    alg: { type: 'string', value: '<alg>', description: 'Algorithm (default: from the key)' },
    customer: { type: 'string', value: '<externalId>', description: "The customer's external id", required: true },
    email: { type: 'string', value: '<email>', description: 'Email claim' },
    name: { type: 'string', value: '<name>', description: 'Name claim' },
    ttl: { type: 'string', value: '<seconds>', description: `Lifetime, 1-${MAX_BRIDGE_TOKEN_TTL}`, default: String(DEFAULT_BRIDGE_TOKEN_TTL) },
    json: { type: 'boolean', description: 'Print JSON' },
  },
  async run(args, io) {
    args.noMorePositionals(0);
    const kid = args.required('kid');
    const externalCustomerId = args.required('customer');
    const ttlSeconds = args.integer('ttl', 1, MAX_BRIDGE_TOKEN_TTL) ?? DEFAULT_BRIDGE_TOKEN_TTL;
    const { alg, key } = await signingMaterial(args);
    const now = new Date();
    let token: string;
    try {
      token = await mintBridgeToken({
        kid, alg, key, externalCustomerId, ttlSeconds, now,
        ...(args.string('email') !== undefined ? { email: args.string('email') } : {}),
        ...(args.string('name') !== undefined ? { name: args.string('name') } : {}),
      });
    } catch (error) {
      throw new BridgeError('invalid_request', (error as Error).message);
    }
    const out = new Output(io, args.flag('json'));
    if (out.json) out.record({ bridgeToken: token, kid, alg, expiresAt: new Date(now.getTime() + ttlSeconds * 1000).toISOString() });
    else io.out(token);
    return 0;
  },
};
