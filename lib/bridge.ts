import { createApi, type BridgeApi } from './api.js';
import type { EventListener } from './audit.js';
import { resolveConfig, type BridgeOptions } from './config.js';
import { Engine } from './engine.js';
import { loggableError } from './errors.js';
import { createHandler, type AssetSource } from './handler.js';
import type { PlainRequest, PlainResponse } from './http.js';
import type { PruneCounts } from './storage.js';
import { createMailQueue } from './mail-queue.js';
import { Background } from './magic-link.js';
import { loadWidgetAssets } from './widget-assets.js';

/** What `createBridge` returns. */
export interface Bridge {
  /** Typed in-process calls: widget verbs, `admin.*` verbs, `verifySession`, `on`. */
  api: BridgeApi;
  /** The plain request handler adapters call; null means "not the engine's path, pass it on". */
  handle(request: PlainRequest): Promise<PlainResponse | null>;
  /** Resolves once storage is initialised and the engine key is loaded; rejects with the cause otherwise. */
  ready(): Promise<void>;
  /** Waits for background work (magic-link lookups, queued mail) to finish. */
  drain(timeoutMs?: number): Promise<void>;
  /** Subscribes to an event type (`session.created`, `bridge.refused`, …); returns the unsubscribe function. */
  on(type: string, listener: EventListener): () => void;
  /** Prunes expired rows now (the engine also does it every `housekeeping.intervalSeconds`). */
  prune(): Promise<PruneCounts>;
  /**
   * Waits for the requests `handle` is working on (a client that hung up leaves its request running) and for
   * background work, then closes the mail queue, the mailer and the storage.
   */
  close(): Promise<void>;
}

async function loadAssets(logger: { error(obj: object, msg?: string): void }): Promise<AssetSource | null> {
  try {
    return await loadWidgetAssets();
  } catch (error) {
    // Without a bundle the engine still serves every API route; the bundle paths answer 404.
    logger.error({ err: loggableError(error) }, 'widget bundle unavailable');
    return null;
  }
}

/**
 * Creates the engine. Options are validated here, once; a bad option throws a `ConfigError` naming it.
 *
 * @example
 * const bridge = createBridge({ storage: sqliteStorage({ path: './aforo.db' }), mailer: consoleMailer(),
 *   issuer: 'https://portal.example.com/aforo', adminToken: process.env.AFORO_ADMIN_TOKEN });
 * app.use(koaBridge(bridge, { prefix: '/aforo' }));
 */
export function createBridge(options: BridgeOptions): Bridge {
  const config = resolveConfig(options);
  const engine = new Engine(config);
  const mail = createMailQueue({ mailer: config.mailer, logger: config.logger });
  const background = new Background((error) => config.logger.error({ err: loggableError(error) }, 'background task failed'));
  const api = createApi(engine, background, mail);
  let assets: Promise<AssetSource | null> | null = null;
  const handler = createHandler(engine, api, () => (assets ??= loadAssets(config.logger)));
  let closed = false;
  // Requests being handled. An adapter or server that stops listening only knows when connections end; a request
  // whose client hung up is still running, and closing the storage under it would fail it half-way.
  const handling = new Set<Promise<unknown>>();
  engine.start().catch((error: unknown) => config.logger.error({ err: loggableError(error) }, 'engine start failed'));
  const pruneTimer = config.pruneIntervalSeconds > 0
    ? setInterval(() => {
      engine.prune()
        .then((counts) => config.logger.debug({ pruned: counts }, 'housekeeping'))
        .catch((error: unknown) => config.logger.error({ err: loggableError(error) }, 'housekeeping failed'));
    }, config.pruneIntervalSeconds * 1000)
    : null;
  pruneTimer?.unref();

  return {
    api,
    handle(request) {
      const answer = handler(request);
      handling.add(answer);
      const done = (): void => void handling.delete(answer);
      answer.then(done, done);
      return answer;
    },
    ready: () => engine.start(),
    async drain(timeoutMs = 30_000) {
      await background.settle();
      await mail.drain(timeoutMs);
    },
    on: (type, listener) => engine.audit.on(type, listener),
    async prune() {
      await engine.start();
      return engine.prune();
    },
    async close() {
      if (closed) return;
      closed = true;
      if (pruneTimer) clearInterval(pruneTimer);
      while (handling.size > 0) await Promise.allSettled([...handling]);
      await background.settle();
      await mail.close();
      await config.mailer.close?.();
      await config.storage.close();
    },
  };
}
