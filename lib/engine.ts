import { Auditor } from './audit.js';
import type { ResolvedConfig } from './config.js';
import { createSealer, type Sealer } from './crypto.js';
import { BridgeError } from './errors.js';
import { SessionTokens } from './session-tokens.js';
import { SharedRateLimit } from './rate-limit.js';
import { ReadCache } from './read-cache.js';
import { sealStoredSecrets } from './seal-at-rest.js';
import { KeyMaterialCache } from './signing-keys.js';
import type { PruneCounts, Storage } from './storage.js';

/** Everything the domain services share: configuration, storage, sealed-secret handling, keys, audit. */
export class Engine {
  readonly storage: Storage;
  readonly sealer: Sealer;
  readonly material: KeyMaterialCache;
  readonly audit: Auditor;
  /** Embed keys, signing keys, tenants and sessions as the hot paths read them (see read-cache.ts). */
  readonly reads: ReadCache;
  /** The per-IP limit of the token-exchanging endpoints (see rate-limit.ts). */
  readonly ipLimit: SharedRateLimit;
  private tokensPromise: Promise<SessionTokens> | null = null;
  private startPromise: Promise<void> | null = null;

  constructor(readonly config: ResolvedConfig) {
    this.storage = config.storage;
    this.sealer = createSealer(config.masterKey);
    this.material = new KeyMaterialCache(this.sealer);
    this.reads = new ReadCache(this.storage);
    this.ipLimit = new SharedRateLimit(this.storage);
    // The email-hash key is a secret of the installation, so hashes are not guessable offline (see loadEmailKey).
    this.audit = new Auditor(this.storage, config.logger, config.masterKey);
    for (const [type, listener] of Object.entries(config.on)) this.audit.on(type, listener);
  }

  /** Deletes expired rows and audit events past retention (SPEC housekeeping); safe to run from several processes. */
  async prune(): Promise<PruneCounts> {
    const now = this.now();
    const auditBefore = new Date(now.getTime() - this.config.auditRetentionDays * 86_400_000);
    return this.storage.prune({ now, auditBefore });
  }

  now(): Date {
    return this.config.clock();
  }

  /** Initialises storage and loads (or creates) the engine key; concurrent callers share one attempt, a failed attempt is retried. */
  start(): Promise<void> {
    if (!this.startPromise) {
      this.startPromise = (async () => {
        await this.storage.init();
        this.reads.attach();
        if (this.config.masterKey) await sealStoredSecrets(this.storage, this.sealer, this.config.logger);
        this.tokensPromise = SessionTokens.load(this.storage, this.sealer, this.config.issuer, this.now());
        await this.tokensPromise;
        await this.audit.loadEmailKey(this.sealer);
      })();
      this.startPromise.catch(() => {
        this.startPromise = null;
      });
    }
    return this.startPromise;
  }

  async tokens(): Promise<SessionTokens> {
    await this.start();
    if (!this.tokensPromise) throw new BridgeError('internal', 'engine key not loaded');
    return this.tokensPromise;
  }
}
