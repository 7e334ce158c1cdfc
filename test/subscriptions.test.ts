// Subscriptions, usage and checkout (SPEC section 10) through HTTP on memory, a SQLite file and Postgres.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Storage } from '../lib/storage.js';
import { onEveryStorage } from './helpers/every-storage.js';
import { createFixture, ORIGIN, type Answer, type Fixture } from './http/fixture.js';
import { mountKoa } from './http/mounts.js';

const PLANS = [
  { id: 'rp_month', name: 'Monthly', currency: 'USD', amountCents: 2900, interval: 'month', features: ['API'] },
  { id: 'rp_year', name: 'Yearly', currency: 'USD', amountCents: 29000, interval: 'year', features: ['API'] },
];
const PERIOD = { currentPeriodStart: '2026-03-01T00:00:00.000Z', currentPeriodEnd: '2026-04-01T00:00:00.000Z' };

function subscriptionSuite(name: string, makeStorage: () => Promise<Storage>): void {
  describe(`${name}: subscriptions and usage`, () => {
    let f: Fixture;
    let n = 0;
    const bearer = (jwt: string, extra: Record<string, string> = {}) => f.embedHeaders({ authorization: `Bearer ${jwt}`, ...extra });
    /** A fresh customer with one ACTIVE monthly subscription, signed in by bridge token. */
    const customer = async () => {
      const ext = `cust-${n++}`;
      const sub = `sub_${ext}`;
      const put = await f.admin('PUT', `/tenants/${f.tenant}/customers/${ext}/subscriptions/${sub}`, { offeringId: 'off_pro', ratePlanId: 'rp_month', status: 'ACTIVE', ...PERIOD });
      assert.equal(put.status, 200, put.text);
      const session = await f.exchange(await f.token({ external_customer_id: ext }));
      assert.equal(session.status, 200, session.text);
      return { ext, sub, jwt: session.body.sessionJwt as string };
    };
    const post = (path: string, jwt: string, body: unknown = {}) => f.call('POST', path, { body, headers: bearer(jwt) });
    const get = (path: string, jwt: string) => f.call('GET', path, { headers: bearer(jwt) });
    const refused = (answer: Answer, status: number, code: string) => {
      assert.equal(answer.status, status, answer.text);
      assert.equal(answer.body.error.code, code, answer.text);
    };

    before(async () => {
      f = await createFixture(mountKoa, { storage: await makeStorage(), ipRateLimit: 100_000 });
      const offering = await f.admin('PUT', `/tenants/${f.tenant}/offerings/off_pro`, { name: 'Pro', status: 'PUBLISHED', ratePlans: PLANS });
      assert.equal(offering.status, 200, offering.text);
      await f.admin('PUT', `/tenants/${f.tenant}/offerings/off_draft`, { name: 'Draft', status: 'DRAFT', ratePlans: PLANS });
    });
    after(() => f.close());

    it('GET subscriptions: the signed-in customer’s only, with the plan’s amount, with CORS for the allowed origin', async () => {
      const a = await customer();
      await customer();
      const answer = await get('/v1/embed/subscriptions', a.jwt);
      assert.equal(answer.status, 200, answer.text);
      assert.equal(answer.headers.get('access-control-allow-origin'), ORIGIN);
      assert.deepEqual(answer.body, { subscriptions: [{
        id: a.sub, offeringId: 'off_pro', ratePlanId: 'rp_month', status: 'ACTIVE', amountCents: 2900, currency: 'USD', interval: 'month',
        ...PERIOD, cancelAtPeriodEnd: false,
      }] });
    });

    it('every subscription route needs a session and the embed key and origin', async () => {
      const a = await customer();
      refused(await f.call('GET', '/v1/embed/subscriptions', { headers: f.embedHeaders() }), 401, 'session_invalid');
      refused(await f.call('GET', '/v1/embed/subscriptions', { headers: bearer(a.jwt, { origin: 'https://evil.example' }) }), 403, 'origin_not_allowed');
      refused(await f.call('POST', `/v1/embed/subscriptions/${a.sub}/cancel`, { body: {}, headers: bearer(a.jwt, { 'x-aforo-embed-key': 'ek_test_nope' }) }), 401, 'embed_key_invalid');
    });

    it('usage: the metered features of one subscription; another customer’s subscription is 404 not_found', async () => {
      const a = await customer();
      const b = await customer();
      const usage = await f.admin('PUT', `/tenants/${f.tenant}/customers/${a.ext}/subscriptions/${a.sub}/usage/api_calls`, { used: 1200, included: 1000, overageCents: 400 });
      assert.equal(usage.status, 200, usage.text);
      refused(await f.admin('PUT', `/tenants/${f.tenant}/customers/${b.ext}/subscriptions/${a.sub}/usage/api_calls`, { used: 1 }), 404, 'not_found');
      const answer = await get(`/v1/embed/subscriptions/${a.sub}/usage`, a.jwt);
      assert.equal(answer.status, 200, answer.text);
      assert.deepEqual(answer.body, { subscriptionId: a.sub, usage: [{
        feature: 'api_calls', used: 1200, included: 1000, overageCents: 400, periodStart: PERIOD.currentPeriodStart, periodEnd: PERIOD.currentPeriodEnd,
      }] });
      refused(await get(`/v1/embed/subscriptions/${a.sub}/usage`, b.jwt), 404, 'not_found');
      refused(await get('/v1/embed/subscriptions/sub_unknown/usage', b.jwt), 404, 'not_found');
    });

    it('cancel then resume: cancel at period end and undo it; each is audited with no email', async () => {
      const a = await customer();
      const canceled = await post(`/v1/embed/subscriptions/${a.sub}/cancel`, a.jwt);
      assert.equal(canceled.status, 200, canceled.text);
      assert.equal(canceled.body.subscription.cancelAtPeriodEnd, true);
      assert.equal(canceled.body.subscription.status, 'ACTIVE');
      const resumed = await post(`/v1/embed/subscriptions/${a.sub}/resume`, a.jwt);
      assert.equal(resumed.status, 200, resumed.text);
      assert.equal(resumed.body.subscription.cancelAtPeriodEnd, false);
      for (const type of ['subscription.canceled', 'subscription.resumed']) {
        const audit = await f.admin('GET', `/tenants/${f.tenant}/audit?type=${type}`);
        assert.ok(audit.body.events.some((e: { subscriptionId: string }) => e.subscriptionId === a.sub), type);
      }
    });

    it('cancel, resume and change-plan on another customer’s subscription are 404 and change nothing', async () => {
      const a = await customer();
      const b = await customer();
      refused(await post(`/v1/embed/subscriptions/${a.sub}/cancel`, b.jwt), 404, 'not_found');
      refused(await post(`/v1/embed/subscriptions/${a.sub}/resume`, b.jwt), 404, 'not_found');
      refused(await post(`/v1/embed/subscriptions/${a.sub}/change-plan`, b.jwt, { ratePlanId: 'rp_year' }), 404, 'not_found');
      const mine = await get('/v1/embed/subscriptions', a.jwt);
      assert.equal(mine.body.subscriptions[0].cancelAtPeriodEnd, false);
      assert.equal(mine.body.subscriptions[0].ratePlanId, 'rp_month');
    });

    it('a CANCELED subscription cannot be resumed (409 conflict)', async () => {
      const a = await customer();
      await f.admin('PUT', `/tenants/${f.tenant}/customers/${a.ext}/subscriptions/${a.sub}`, { offeringId: 'off_pro', ratePlanId: 'rp_month', status: 'CANCELED', ...PERIOD });
      refused(await post(`/v1/embed/subscriptions/${a.sub}/resume`, a.jwt), 409, 'conflict');
    });

    it('change-plan: to another plan of the offering takes its amount and interval; an unknown plan is 404; audited', async () => {
      const a = await customer();
      const changed = await post(`/v1/embed/subscriptions/${a.sub}/change-plan`, a.jwt, { ratePlanId: 'rp_year' });
      assert.equal(changed.status, 200, changed.text);
      assert.deepEqual([changed.body.subscription.ratePlanId, changed.body.subscription.amountCents, changed.body.subscription.interval], ['rp_year', 29000, 'year']);
      refused(await post(`/v1/embed/subscriptions/${a.sub}/change-plan`, a.jwt, { ratePlanId: 'rp_none' }), 404, 'not_found');
      refused(await post(`/v1/embed/subscriptions/${a.sub}/change-plan`, a.jwt, { ratePlanId: 7 }), 400, 'invalid_request');
      const audit = await f.admin('GET', `/tenants/${f.tenant}/audit?type=subscription.plan_changed`);
      assert.ok(audit.body.events.some((e: { subscriptionId: string; ratePlanId: string }) => e.subscriptionId === a.sub && e.ratePlanId === 'rp_year'));
    });

    it('checkout: subscribes once (a double click makes one subscription), refuses a draft offering and a foreign returnUrl', async () => {
      const session = await f.exchange(await f.token({ external_customer_id: `fresh-${n++}` }));
      const jwt = session.body.sessionJwt as string;
      const body = { offeringId: 'off_pro', ratePlanId: 'rp_year', returnUrl: `${ORIGIN}/account` };
      const [one, two] = await Promise.all([post('/v1/embed/checkout', jwt, body), post('/v1/embed/checkout', jwt, body)]);
      assert.deepEqual([one.status, two.status], [200, 200], one.text + two.text);
      assert.deepEqual(one.body, { status: 'subscribed', url: null });
      const list = await get('/v1/embed/subscriptions', jwt);
      assert.equal(list.body.subscriptions.length, 1);
      assert.equal(list.body.subscriptions[0].ratePlanId, 'rp_year');
      refused(await post('/v1/embed/checkout', jwt, { ...body, ratePlanId: 'rp_month' }), 409, 'conflict');
      refused(await post('/v1/embed/checkout', jwt, { ...body, offeringId: 'off_draft' }), 404, 'not_found');
      refused(await post('/v1/embed/checkout', jwt, { ...body, returnUrl: 'https://evil.example/x' }), 400, 'return_url_not_allowed');
      refused(await post('/v1/embed/checkout', jwt, { ...body, extra: 1 }), 400, 'invalid_request');
    });

    it('checkout: two plans of one offering checked out at once (two tabs): one subscribes, the other is 409, and the stored plan is the one answered', async () => {
      for (let round = 0; round < 6; round++) {
        const session = await f.exchange(await f.token({ external_customer_id: `tabs-${n++}` }));
        const jwt = session.body.sessionJwt as string;
        const plans = ['rp_month', 'rp_year'];
        const answers = await Promise.all(plans.map((ratePlanId) =>
          post('/v1/embed/checkout', jwt, { offeringId: 'off_pro', ratePlanId, returnUrl: `${ORIGIN}/account` })));
        assert.deepEqual(answers.map((a) => a.status).sort(), [200, 409], answers.map((a) => a.text).join(' '));
        const won = plans[answers.findIndex((a) => a.status === 200)];
        const list = await get('/v1/embed/subscriptions', jwt);
        assert.deepEqual(list.body.subscriptions.map((s: { ratePlanId: string }) => s.ratePlanId), [won]);
      }
    });

    it('the subscription routes are rate-limited per session', async () => {
      const limited = await createFixture(mountKoa, { storage: await makeStorage(), ipRateLimit: 100_000, sessionRateLimit: 3 });
      try {
        const session = await limited.exchange(await limited.token({ external_customer_id: 'limited' }));
        const headers = limited.embedHeaders({ authorization: `Bearer ${session.body.sessionJwt}` });
        const statuses = [];
        for (let i = 0; i < 4; i++) statuses.push((await limited.call('GET', '/v1/embed/subscriptions', { headers })).status);
        assert.deepEqual(statuses, [200, 200, 200, 429]);
        const other = await limited.exchange(await limited.token({ external_customer_id: 'other' }));
        const fresh = await limited.call('GET', '/v1/embed/subscriptions', { headers: limited.embedHeaders({ authorization: `Bearer ${other.body.sessionJwt}` }) });
        assert.equal(fresh.status, 200, 'another session has its own budget');
      } finally {
        await limited.close();
      }
    });
  });
}

await onEveryStorage('subscriptions', subscriptionSuite);

describe('dataSource subscription hooks', () => {
  let f: Fixture;
  const logged: string[] = [];
  const SECRET = 'postgres://billing:hunter2@10.0.0.5/db alice@example.com';
  const calls: Array<{ hook: string; customer: string; subscriptionId?: string }> = [];
  let fail = false;
  /** When set, what listSubscriptions answers instead (hostile hook answers). */
  let answerList: unknown[] | null = null;
  const subscriptionOf = (customer: string) => ({
    id: `sub_${customer}`, offeringId: 'off_pro', ratePlanId: 'rp_month', status: 'ACTIVE' as const, amountCents: 2900, currency: 'USD',
    interval: 'month' as const, currentPeriodStart: new Date('2026-03-01T00:00:00Z'), currentPeriodEnd: '2026-04-01T00:00:00.000Z', cancelAtPeriodEnd: false,
  });
  const jwtOf = async (ext: string) => (await f.exchange(await f.token({ external_customer_id: ext }))).body.sessionJwt as string;
  const headers = (jwt: string) => f.embedHeaders({ authorization: `Bearer ${jwt}` });

  before(async () => {
    const log = (obj: object) => logged.push(JSON.stringify(obj));
    f = await createFixture(mountKoa, {
      ipRateLimit: 100_000,
      logger: { debug: () => {}, info: () => {}, warn: log, error: log },
      dataSource: {
        async listSubscriptions({ customer }) {
          calls.push({ hook: 'listSubscriptions', customer: customer.externalId });
          if (fail) throw new Error(SECRET);
          if (answerList) return answerList as never;
          return [subscriptionOf(customer.externalId)];
        },
        async getUsage({ customer, subscriptionId }) {
          calls.push({ hook: 'getUsage', customer: customer.externalId, subscriptionId });
          return [{ feature: 'seats', used: 3, included: 5, overageCents: 0, periodStart: '2026-03-01T00:00:00Z', periodEnd: '2026-04-01T00:00:00Z' }];
        },
        async cancelSubscription({ customer, subscriptionId }) {
          calls.push({ hook: 'cancelSubscription', customer: customer.externalId, subscriptionId });
          return { ...subscriptionOf(customer.externalId), cancelAtPeriodEnd: true };
        },
        async resumeSubscription() {
          throw new Error(SECRET);
        },
        async changePlan({ customer, subscriptionId, ratePlanId }) {
          calls.push({ hook: 'changePlan', customer: customer.externalId, subscriptionId });
          // `rp_wrong`: a hook that changed something else than it was asked for.
          if (customer.externalId === 'switcher') return { ...subscriptionOf(customer.externalId), ratePlanId: ratePlanId === 'rp_year' ? 'rp_month' : ratePlanId };
          return { nonsense: true } as never;
        },
        async startCheckout({ returnUrl }) {
          return { url: `https://pay.example.com/c?back=${encodeURIComponent(returnUrl)}` };
        },
      },
    });
    await f.admin('PUT', `/tenants/${f.tenant}/offerings/off_pro`, { name: 'Pro', status: 'PUBLISHED', ratePlans: PLANS });
    await f.admin('PUT', `/tenants/${f.tenant}/offerings/off_other`, { name: 'Other', status: 'PUBLISHED', ratePlans: [{ ...PLANS[0], id: 'rp_other' }] });
    await f.admin('PUT', `/tenants/${f.tenant}/offerings/off_staff`, { name: 'Staff', status: 'DRAFT', ratePlans: [{ ...PLANS[0], id: 'rp_staff_free', amountCents: 0 }] });
  });
  after(() => f.close());

  it('change-plan through the hook: only a plan of the subscription\'s PUBLISHED offering reaches it; a hook that changed another plan is 502', async () => {
    const jwt = await jwtOf('switcher');
    const before = calls.length;
    for (const ratePlanId of ['rp_other', 'rp_staff_free', 'anything-at-all', '../../admin/refund?all=1#']) {
      const answer = await f.call('POST', '/v1/embed/subscriptions/sub_switcher/change-plan', { body: { ratePlanId }, headers: headers(jwt) });
      assert.equal(answer.status, 404, `${ratePlanId}: ${answer.text}`);
    }
    assert.deepEqual(calls.slice(before).filter((c) => c.hook === 'changePlan'), [], 'no refused plan reached the hook');
    const wrong = await f.call('POST', '/v1/embed/subscriptions/sub_switcher/change-plan', { body: { ratePlanId: 'rp_year' }, headers: headers(jwt) });
    assert.equal(wrong.status, 502, wrong.text);
    assert.equal(wrong.body.error.code, 'upstream_failed');
  });

  it('a hook answer with an over-long or malformed id, a NUL, a huge number or too many subscriptions is 502 and shows nothing', async () => {
    const jwt = await jwtOf('hostile');
    const good = subscriptionOf('hostile');
    const hostile: unknown[][] = [
      [{ ...good, id: 'x'.repeat(101) }],
      [{ ...good, id: 'sub\u0000x' }],
      [{ ...good, ratePlanId: 'rp\ud800' }],
      [{ ...good, amountCents: 2 ** 64 }],
      Array.from({ length: 501 }, (_, i) => ({ ...good, id: `sub_${i}` })),
    ];
    try {
      for (const list of hostile) {
        answerList = list;
        const answer = await f.call('GET', '/v1/embed/subscriptions', { headers: headers(jwt) });
        assert.equal(answer.status, 502, answer.text.slice(0, 200));
        assert.deepEqual(Object.keys(answer.body), ['error']);
      }
      answerList = Array.from({ length: 500 }, (_, i) => ({ ...good, id: `sub_${i}` }));
      const most = await f.call('GET', '/v1/embed/subscriptions', { headers: headers(jwt) });
      assert.equal(most.status, 200, 'up to 500 is fine');
      assert.equal(most.body.subscriptions.length, 500);
    } finally {
      answerList = null;
    }
  });

  it('reads subscriptions and usage from the hooks, for the customer of the session', async () => {
    const jwt = await jwtOf('hooked');
    const list = await f.call('GET', '/v1/embed/subscriptions', { headers: headers(jwt) });
    assert.equal(list.status, 200, list.text);
    assert.equal(list.body.subscriptions[0].id, 'sub_hooked');
    assert.equal(list.body.subscriptions[0].currentPeriodStart, '2026-03-01T00:00:00.000Z');
    const usage = await f.call('GET', '/v1/embed/subscriptions/sub_hooked/usage', { headers: headers(jwt) });
    assert.equal(usage.status, 200, usage.text);
    assert.equal(usage.body.usage[0].feature, 'seats');
    assert.deepEqual(calls.at(-1), { hook: 'getUsage', customer: 'hooked', subscriptionId: 'sub_hooked' });
  });

  it('another customer’s id is 404 and no action hook is called with it', async () => {
    const jwt = await jwtOf('mallory');
    const before = calls.length;
    const answer = await f.call('POST', '/v1/embed/subscriptions/sub_hooked/cancel', { body: {}, headers: headers(jwt) });
    assert.equal(answer.status, 404, answer.text);
    assert.equal(answer.body.error.code, 'not_found');
    assert.deepEqual(calls.slice(before).map((c) => c.hook), ['listSubscriptions']);
  });

  it('cancel through the hook answers what it says and is audited', async () => {
    const jwt = await jwtOf('canceler');
    const answer = await f.call('POST', '/v1/embed/subscriptions/sub_canceler/cancel', { body: {}, headers: headers(jwt) });
    assert.equal(answer.status, 200, answer.text);
    assert.equal(answer.body.subscription.cancelAtPeriodEnd, true);
    const audit = await f.admin('GET', `/tenants/${f.tenant}/audit?type=subscription.canceled`);
    assert.ok(audit.body.events.some((e: { subscriptionId: string }) => e.subscriptionId === 'sub_canceler'));
  });

  it('a hook that throws, or answers a malformed value, is 502 upstream_failed with nothing of it in the answer', async () => {
    const jwt = await jwtOf('victim');
    const resumed = await f.call('POST', '/v1/embed/subscriptions/sub_victim/resume', { body: {}, headers: headers(jwt) });
    const changed = await f.call('POST', '/v1/embed/subscriptions/sub_victim/change-plan', { body: { ratePlanId: 'rp_year' }, headers: headers(jwt) });
    fail = true;
    const listed = await f.call('GET', '/v1/embed/subscriptions', { headers: headers(jwt) });
    fail = false;
    for (const answer of [resumed, changed, listed]) {
      assert.equal(answer.status, 502, answer.text);
      assert.deepEqual(Object.keys(answer.body), ['error']);
      assert.equal(answer.body.error.code, 'upstream_failed');
      assert.doesNotMatch(answer.text, /hunter2|alice|10\.0\.0\.5|nonsense|stack|at /);
      assert.equal(answer.headers.get('access-control-allow-origin'), ORIGIN);
    }
    assert.ok(logged.some((line) => line.includes('dataSource.resumeSubscription')), 'the cause is logged for the operator');
  });

  it('checkout through the hook answers its URL to redirect to', async () => {
    const jwt = await jwtOf('buyer');
    const answer = await f.call('POST', '/v1/embed/checkout', { body: { offeringId: 'off_pro', ratePlanId: 'rp_year', returnUrl: `${ORIGIN}/account` }, headers: headers(jwt) });
    assert.equal(answer.status, 200, answer.text);
    assert.equal(answer.body.status, 'redirect');
    assert.match(answer.body.url, /^https:\/\/pay\.example\.com\/c\?back=/);
  });
});
