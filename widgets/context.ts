import type { ApiTarget } from './http.js';
import type { Messages } from './i18n.js';

/** What a widget gets from the loader: its host element, its shadow root, where to call, and its options. */
export interface WidgetContext {
  host: HTMLElement;
  root: ShadowRoot;
  target: ApiTarget;
  /** Reads a `data-aforo-<name>` option of the host element. */
  option(name: string): string | null;
  /** `data-aforo-locale`, else the browser's. */
  locale: string | undefined;
  /** The widget's copy in that locale's language. */
  t: Messages;
  /**
   * Aborted when the widget is unmounted (`unmountWidget`, a React component's unmount): timers, pollers, listeners
   * and session subscriptions the widget starts stop on it, and nothing it still awaits touches the page after.
   */
  signal: AbortSignal;
}
