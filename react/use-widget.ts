/**
 * The one piece every React component shares: it renders the host `<div>` with the widget's `data-aforo-*`
 * attributes, mounts it with the SDK's `mountWidget` after React commits it, and calls `unmountWidget` when the
 * component goes or an option changes (the widget then mounts afresh with the new attributes).
 */
import { createElement, useEffect, useRef, useSyncExternalStore, type ReactElement } from 'react';
import { captureMagicToken, mountWidget, unmountWidget } from '../widgets/sdk.js';

/** What an `on…` callback gets: the event's `detail` (ids, codes and counts only) and the event itself. */
export type WidgetHandler<Detail> = (detail: Detail, event: CustomEvent<Detail>) => void;

/** The props every component takes. */
export interface WidgetProps {
  /** The engine's mount URL, e.g. `https://portal.example.com/aforo`. */
  apiBase: string;
  /** The tenant (`data-aforo-tenant-slug`). */
  tenantSlug: string;
  /** The public embed key (`data-aforo-embed-key`); the page's origin must be on its allowlist. */
  embedKey: string;
  /** `light`, `dark` or `auto` (the default: follows `prefers-color-scheme`). */
  theme?: 'light' | 'dark' | 'auto';
  /** `en`, `es`, `fr` or `de` copy; amounts and dates use the full locale. Default: the browser's. */
  locale?: string;
  /** `id` of the host element. */
  id?: string;
  /** `class` of the host element, e.g. for the `--aforo-*` custom properties. */
  className?: string;
  /** `aforo.<widget>.error`: `{ code }`, the engine's error code or `invalid_config`. */
  onError?: WidgetHandler<{ code: string }>;
}

/** A widget option as a prop: undefined leaves the attribute out (the widget's default applies). */
export type OptionValue = string | number | boolean | undefined;

const noChanges = (): (() => void) => () => undefined;
const kebab = (name: string): string => name.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase());

/**
 * Renders `kind` with `options` as `data-aforo-*` attributes (camelCase names become kebab-case) and calls the prop
 * named in `events` for each `aforo.<kind>.<event>` the widget dispatches on its host.
 */
export function useWidget(
  kind: string,
  props: WidgetProps & { bridgeToken?: string },
  options: Record<string, OptionValue>,
  events: Record<string, string>,
): ReactElement | null {
  // False on the server and while hydrating, true on the client: the server renders nothing, and no widget markup
  // is ever part of the HTML React has to match.
  const onClient = useSyncExternalStore(noChanges, () => true, () => false);
  const host = useRef<HTMLDivElement>(null);
  const latest = useRef(props);
  useEffect(() => {
    latest.current = props;
  });

  const attributes: Record<string, string> = {
    'data-aforo-widget': kind,
    'data-aforo-tenant-slug': props.tenantSlug,
    'data-aforo-embed-key': props.embedKey,
  };
  for (const [name, value] of Object.entries({ theme: props.theme, locale: props.locale, ...options })) {
    if (value !== undefined) attributes['data-aforo-' + kebab(name)] = String(value);
  }
  const { apiBase, bridgeToken } = props;
  // Any change of what the widget reads at mount remounts it; a new callback does not (it is read per event).
  const identity = JSON.stringify([apiBase, bridgeToken ?? null, attributes]);

  useEffect(() => {
    const element = host.current;
    if (!element) return;
    const listeners = Object.entries(events).map(([prop, name]) => {
      const type = `aforo.${kind}.${name}`;
      const listener = (event: Event): void => {
        const handler = (latest.current as unknown as Record<string, unknown>)[prop];
        if (typeof handler === 'function') handler((event as CustomEvent).detail, event);
      };
      element.addEventListener(type, listener);
      return () => element.removeEventListener(type, listener);
    });
    // Set here rather than rendered: the widget removes the single-use token from the DOM as it mounts, and React
    // would not put it back for a remount.
    if (bridgeToken) element.setAttribute('data-aforo-bridge-token', bridgeToken);
    // The loader does this first thing; a React app should too (in its entry module), and this catches one that did not.
    if (options.magicLink === true) captureMagicToken();
    mountWidget(element, apiBase);
    return () => {
      unmountWidget(element);
      for (const off of listeners) off();
    };
    // `identity` stands for apiBase, bridgeToken and every attribute; `kind` and `events` are fixed per component.
  }, [onClient, identity]);

  if (!onClient) return null;
  return createElement('div', { ref: host, id: props.id, className: props.className, ...attributes });
}
