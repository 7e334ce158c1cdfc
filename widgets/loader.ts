/**
 * The loader (`{prefix}/v1/embed/loader.js`): the whole widget bundle in one script. It strips a returning
 * magic-link token from the address bar first, then mounts every `[data-aforo-widget]` and exposes
 * `window.AforoSession`.
 */
import { captureMagicToken } from './magic-token.js';
import { mountAll, watchWidgets } from './mount.js';
import { AforoSession, type AforoSessionApi } from './page-session.js';

declare global {
  interface Window {
    AforoSession?: AforoSessionApi;
  }
}

captureMagicToken();

const LOCAL_HOSTS = ['localhost', '127.0.0.1', '[::1]'];
const script = document.currentScript;

if (location.protocol === 'http:' && !LOCAL_HOSTS.includes(location.hostname)) {
  console.warn('[aforo] the widgets refuse to run on an insecure http: page (' + location.origin + '); serve the page over https (http works on localhost only)');
} else if (!window.AforoSession) {
  const src = script instanceof HTMLScriptElement ? script.src : '';
  // The engine's URL is wherever this script came from: `{base}/v1/embed/loader.js` or a hashed bundle file.
  const match = /^(.*)\/v1\/embed\/(?:loader|widgets\/[\w.-]+)\.js(?:[?#].*)?$/.exec(src);
  const apiBase = (script instanceof HTMLScriptElement && script.getAttribute('data-aforo-api-base')) || (match ? match[1] : '');
  window.AforoSession = AforoSession;
  mountAll(document, apiBase);
  watchWidgets(apiBase);
}
