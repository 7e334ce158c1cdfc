import type { Logger } from './config.js';
import type { Sealer } from './crypto.js';
import type { Storage } from './storage.js';

const isPlain = (sealed: string | null | undefined): sealed is string => typeof sealed === 'string' && sealed.startsWith('plain:');

/**
 * With a master key, seals the secrets stored before one was set: a database that a key-less process created (a
 * CLI command run first, a server started without `masterKey`) holds its engine key and HS256 secrets as
 * `plain:…`, and would keep them so under a server that has a key. Every process without a key stores its engine
 * key that way, and only such a database can hold plain HS256 secrets (a key-less process cannot start on a sealed
 * engine key), so the scan of every tenant's keys runs only when the engine key is plain. The HS256 secrets are
 * sealed first and the engine key last, so a start cut short is resumed by the next one. Each reseal is a
 * compare-and-set: processes starting together seal each secret once. Answers how many secrets this call sealed.
 */
export async function sealStoredSecrets(storage: Storage, sealer: Sealer, logger: Logger): Promise<number> {
  const engineKey = await storage.getEngineKey();
  if (!engineKey || !isPlain(engineKey.sealedPrivateKey)) return 0;
  let sealed = 0;
  for (const tenant of await storage.listTenants()) {
    for (const key of await storage.listSigningKeys(tenant.slug)) {
      if (!isPlain(key.sealedSecret)) continue;
      if (await storage.resealSecret({ tenant: key.tenant, kid: key.kid }, key.sealedSecret, sealer.seal(sealer.open(key.sealedSecret)))) sealed += 1;
    }
  }
  const { sealedPrivateKey } = engineKey;
  if (await storage.resealSecret({ engineKid: engineKey.kid }, sealedPrivateKey, sealer.seal(sealer.open(sealedPrivateKey)))) sealed += 1;
  if (sealed > 0) logger.info({ sealed }, 'sealed the secrets stored before the master key was set');
  return sealed;
}
