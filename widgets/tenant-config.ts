/** The tenant's public widget config (name, branding, PUBLISHED offerings). */
import { callApi, type ApiTarget } from './http.js';
import type { ConfigAnswer } from './wire.js';

const configs = new Map<string, Promise<ConfigAnswer>>();

/** The tenant's public config, fetched once per page and embed key however many widgets need it. */
export function loadConfig(target: ApiTarget): Promise<ConfigAnswer> {
  const key = `${target.apiBase} ${target.tenant} ${target.embedKey}`;
  let config = configs.get(key);
  if (!config) {
    config = callApi<ConfigAnswer>(target, 'GET', '/v1/embed/config');
    // A failure is not kept: the next widget asks again.
    config.catch(() => configs.delete(key));
    configs.set(key, config);
  }
  return config;
}
