// The React components rendered on the server, in plain Node (no DOM): they render nothing, so no widget markup is
// ever part of the HTML a client has to hydrate, and importing them touches no browser global.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createElement, type ReactElement } from 'react';
import { renderToString } from 'react-dom/server';
import {
  AforoInvoiceList, AforoPricingCard, AforoSubscribeButton, AforoSubscriptionManager, AforoUsageMeter, useAforoSession,
} from '../react/index.js';

const target = { apiBase: 'https://portal.example.com/aforo', tenantSlug: 'acme', embedKey: 'ek_test_ssr' };

function SessionLine(): ReactElement {
  const { signedIn } = useAforoSession(target);
  return createElement('p', null, signedIn ? 'signed in' : 'signed out');
}

describe('React components on the server', () => {
  test('ssr: there is no DOM in this process', () => {
    assert.equal(typeof window, 'undefined');
    assert.equal(typeof document, 'undefined');
  });

  test('ssr: renderToString of every component is the empty string, and throws nothing', () => {
    const rendered = [
      createElement(AforoPricingCard, { ...target, featuredOfferingId: 'pro', onReady: () => undefined }),
      createElement(AforoInvoiceList, { ...target, bridgeToken: 'bt.secret', pageSize: 5, magicLink: true }),
      createElement(AforoSubscriptionManager, { ...target, defaultStatus: 'all' }),
      createElement(AforoUsageMeter, { ...target, subscriptionId: 'sub_1', pollSeconds: 30 }),
      createElement(AforoSubscribeButton, { ...target, offeringId: 'pro', ratePlanId: 'pro-month', mode: 'event', onCheckoutRequested: () => undefined }),
    ].map((element) => renderToString(element));
    assert.deepEqual(rendered, ['', '', '', '', '']);
  });

  test('ssr: inside a page the components add nothing, and useAforoSession reads signed out', () => {
    const page = createElement('main', null,
      createElement(SessionLine),
      createElement(AforoInvoiceList, { ...target, bridgeToken: 'bt.secret' }),
      createElement(AforoSubscribeButton, { ...target, offeringId: 'pro', ratePlanId: 'pro-month' }));
    const html = renderToString(page);
    assert.equal(html, '<main><p>signed out</p></main>');
    assert.doesNotMatch(html, /aforo|bt\.secret/);
  });
});
