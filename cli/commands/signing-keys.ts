import { readFile } from 'node:fs/promises';
import { BridgeError } from '../../lib/errors.js';
import { UsageError, type GroupSpec } from '../command.js';
import { CLI_CALLER, STORAGE_OPTIONS, TENANT_OPTION, withAdmin } from '../runtime.js';
import type { SigningAlg } from '../../lib/types.js';

const KEY_FIELDS = ['kid', 'alg', 'status', 'createdAt', 'promotedAt', 'revokedAt'];

async function readPem(path: string): Promise<string> {
  if (path !== '-') return readFile(path, 'utf8');
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** `aforo-bridge signing-keys mint|register|list|promote|revoke`. */
export const signingKeys: GroupSpec = {
  name: 'signing-keys',
  summary: "Manage a tenant's bridge-token signing keys (mint, register, promote, revoke)",
  commands: [
    {
      name: 'signing-keys mint',
      summary: 'Creates a NEXT key and prints its secret or private key once',
      details: ['HS256 prints the secret; RS256, ES256 and EdDSA print a private and a public key. Store them now.'],
      options: {
        ...TENANT_OPTION,
        alg: { type: 'string', value: '<HS256|RS256|ES256|EdDSA>', description: 'Algorithm', default: 'HS256' },
        promote: { type: 'boolean', description: 'Make the new key ACTIVE at once' },
        ...STORAGE_OPTIONS,
      },
      async run(args, io) {
        args.noMorePositionals(0);
        const tenant = args.required('tenant');
        return withAdmin(args, io, async (admin, out) => {
          const minted = await admin.createSigningKey(tenant, { alg: args.string('alg') as SigningAlg }, CLI_CALLER);
          const kid = String(minted.kid);
          if (args.flag('promote')) {
            const promoted = await admin.promoteSigningKey(tenant, kid, CLI_CALLER);
            minted.status = promoted.status;
          }
          const secretFields = 'secret' in minted ? ['secret'] : ['privateKeyPem'];
          out.secret(minted, secretFields, ['kid', 'alg', 'status', 'createdAt', 'publicKeyPem']);
        });
      },
    },
    {
      name: 'signing-keys register',
      summary: 'Registers a public key you generated (RS256 2048+ bits, ES256, EdDSA) as a NEXT key',
      options: {
        ...TENANT_OPTION,
        alg: { type: 'string', value: '<RS256|ES256|EdDSA>', description: 'Algorithm of the key', required: true },
        'public-key': { type: 'string', value: '<file|->', description: 'SPKI PEM file of the public key (- reads standard input)', required: true },
        ...STORAGE_OPTIONS,
      },
      async run(args, io) {
        args.noMorePositionals(0);
        const tenant = args.required('tenant');
        const alg = args.required('alg');
        let publicKeyPem: string;
        try {
          publicKeyPem = await readPem(args.required('public-key'));
        } catch (error) {
          if (error instanceof UsageError) throw error;
          throw new UsageError(`cannot read --public-key: ${(error as Error).message}`, args.command);
        }
        return withAdmin(args, io, async (admin, out) => {
          const key = await admin.createSigningKey(tenant, { alg: alg as SigningAlg, publicKeyPem }, CLI_CALLER);
          if (!out.json) io.out(`registered signing key ${String(key.kid)}`);
          out.record(key, ['kid', 'alg', 'status', 'createdAt']);
        });
      },
    },
    {
      name: 'signing-keys list',
      summary: "Lists a tenant's signing keys (never a secret)",
      options: { ...TENANT_OPTION, ...STORAGE_OPTIONS },
      async run(args, io) {
        args.noMorePositionals(0);
        const tenant = args.required('tenant');
        return withAdmin(args, io, async (admin, out) => {
          const { signingKeys: keys } = await admin.listSigningKeys(tenant);
          out.table('signingKeys', keys, KEY_FIELDS);
        });
      },
    },
    {
      name: 'signing-keys promote',
      args: '<kid>',
      summary: 'Makes a NEXT key ACTIVE; the previous ACTIVE key becomes RETIRING',
      options: { ...TENANT_OPTION, ...STORAGE_OPTIONS },
      async run(args, io) {
        const kid = args.positional(0, 'the key id (kid)');
        args.noMorePositionals(1);
        const tenant = args.required('tenant');
        return withAdmin(args, io, async (admin, out) => {
          out.done(`promoted signing key ${kid} to ACTIVE`, await admin.promoteSigningKey(tenant, kid, CLI_CALLER));
        });
      },
    },
    {
      name: 'signing-keys revoke',
      args: '<kid>',
      summary: 'Revokes a key; tokens signed with it stop exchanging',
      details: ['Revoking the last key that still verifies is refused (conflict) unless --force is given.'],
      options: {
        ...TENANT_OPTION,
        force: { type: 'boolean', description: 'Revoke even the last key that verifies' },
        'end-sessions': { type: 'boolean', description: 'Also end every session the key created' },
        ...STORAGE_OPTIONS,
      },
      async run(args, io) {
        const kid = args.positional(0, 'the key id (kid)');
        args.noMorePositionals(1);
        const tenant = args.required('tenant');
        const body = { force: args.flag('force'), endSessions: args.flag('end-sessions') };
        return withAdmin(args, io, async (admin, out) => {
          const result = await admin.revokeSigningKey(tenant, kid, body, CLI_CALLER).catch((error: unknown) => {
            // Its only conflict is the last key, and the API's message names its body field; here the way out is the flag.
            if (error instanceof BridgeError && error.code === 'conflict') {
              throw new BridgeError('conflict', 'this is the last key that verifies; pass --force to revoke it anyway');
            }
            throw error;
          });
          out.done(`revoked signing key ${kid} (${String(result.sessionsEnded)} sessions ended)`, result);
        });
      },
    },
  ],
};
