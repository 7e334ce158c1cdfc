import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { Logger } from '../lib/config.js';
import { mintBridgeToken } from '../lib/mint.js';
import type { Storage } from '../lib/storage.js';
import { onEveryStorage } from './helpers/every-storage.js';
import { attackGroups, UNCLEAN_TEXT, type AttackTarget, type AttackTenant, newSession } from './helpers/attack.js';
import { ADMIN_TOKEN, createFixture, ORIGIN, type Answer, type Fixture } from './http/fixture.js';
import { mountKoa } from './http/mounts.js';

/** Every line the engine logs, as the JSON a real logger would write. */
function capturingLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const write = (level: string) => (obj: object, msg?: string) => {
    lines.push(JSON.stringify({ level, msg, ...obj }, (_key, value: unknown) => (value instanceof Error ? { message: value.message, stack: value.stack } : value)));
  };
  return { lines, debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error') };
}

async function must(answer: Promise<Answer>, what: string): Promise<Answer['body']> {
  const r = await answer;
  if (r.status >= 300) throw new Error(`fixture: ${what} answered ${r.status} ${r.text.slice(0, 200)}`);
  return r.body;
}

/** A tenant with everything the battery touches, made through the admin API. */
async function seedTenant(f: Fixture, slug: string, keys: { embedKey: string; kid: string; secret: string }, target: () => AttackTarget): Promise<AttackTenant> {
  const at = `/tenants/${slug}`;
  const listed = await must(f.admin('GET', `${at}/embed-keys`), 'list embed keys');
  const embedKeyId = (listed.embedKeys as Array<{ id: string; key: string }>).find((k) => k.key === keys.embedKey)?.id as string;
  const spare = () => must(f.admin('POST', `${at}/embed-keys`, { allowedOrigins: ['https://spare.example.com'] }), 'spare embed key');
  const next = () => must(f.admin('POST', `${at}/signing-keys`, { alg: 'HS256' }), 'spare signing key');
  const [patchKey, revokeKey, promoteKey, revokeSk] = [await spare(), await spare(), await next(), await next()];
  const knownEmail = `known-${slug}@t.test`;
  await must(f.admin('PUT', `${at}/customers/known-${slug}`, { email: knownEmail, name: 'Known' }), 'known customer');
  await must(f.admin('PUT', `${at}/offerings/off-${slug}`, {
    name: `Offer of ${slug}`, status: 'PUBLISHED', ratePlans: [{ id: 'm', name: 'Monthly', currency: 'eur', amountCents: 900, interval: 'month', features: ['x'] }],
  }), 'offering');
  await must(f.admin('PUT', `${at}/offerings/atk-plan-offer`, {
    name: 'Plan offer', status: 'PUBLISHED', ratePlans: [{ id: 'p1', name: 'Plan', currency: 'eur', amountCents: 100, interval: 'month', features: ['f'] }],
  }), 'subscription offering');
  const period = { status: 'ACTIVE', currentPeriodStart: '2026-02-01T00:00:00.000Z', currentPeriodEnd: '2026-03-01T00:00:00.000Z' };
  await must(f.admin('PUT', `${at}/customers/atk-cust/subscriptions/sub-atk`, { offeringId: 'atk-plan-offer', ratePlanId: 'p1', ...period }), 'admin subscription');
  const sessionExternalId = `cust-${slug}`;
  const subscriptionId = `sub-${slug}`;
  const otherSubscriptionId = `sub-known-${slug}`;
  await must(f.admin('PUT', `${at}/customers/${sessionExternalId}/subscriptions/${subscriptionId}`, { offeringId: `off-${slug}`, ratePlanId: 'm', ...period }), 'subscription');
  await must(f.admin('PUT', `${at}/customers/known-${slug}/subscriptions/${otherSubscriptionId}`, { offeringId: `off-${slug}`, ratePlanId: 'm', ...period }), 'other subscription');
  await must(f.admin('PUT', `${at}/customers/${sessionExternalId}/subscriptions/${subscriptionId}/usage/api_calls`, { used: 5, included: 10 }), 'usage');
  for (const n of [1, 2, 3]) {
    await must(f.admin('PUT', `${at}/customers/${sessionExternalId}/invoices/inv-${slug}-${n}`, {
      number: `SECRET-${slug}-${n}`, status: n === 1 ? 'PAID' : 'OPEN', amountDueCents: 100 * n, currency: 'eur', issuedAt: `2026-02-0${n}T00:00:00.000Z`,
    }), 'invoice');
  }
  const tenant: AttackTenant = {
    slug, ...keys, embedKeyId, sessionJwt: '', sessionExternalId, knownExternalId: `known-${slug}`, knownEmail, offeringId: `off-${slug}`,
    invoiceId: `inv-${slug}-1`, invoiceNumber: `SECRET-${slug}-1`, subscriptionId, otherSubscriptionId, patchKeyId: patchKey.id, revokeKeyId: revokeKey.id,
    promoteKid: promoteKey.kid, revokeKid: revokeSk.kid,
  };
  target().seen.add(promoteKey.secret);
  target().seen.add(revokeSk.secret);
  tenant.sessionJwt = await newSession(target(), tenant);
  return tenant;
}

interface Environment {
  target: AttackTarget;
  fixture: Fixture;
  logger: ReturnType<typeof capturingLogger>;
}

async function environment(storage: Storage): Promise<Environment> {
  const logger = capturingLogger();
  const f = await createFixture(mountKoa, {
    storage, logger, ipRateLimit: 1_000_000, sessionRateLimit: 1_000_000, magicLink: { perIpPerMinute: 100_000, perEmailPerHour: 100_000 }, housekeeping: { intervalSeconds: 0 },
  });
  const handedOut = new Set<string>();
  let mail = Promise.resolve();
  const target: AttackTarget = {
    base: f.base,
    issuer: 'https://portal.example.com/aforo',
    origin: ORIGIN,
    adminToken: ADMIN_TOKEN,
    a: undefined as unknown as AttackTenant,
    b: undefined as unknown as AttackTenant,
    now: () => f.clock.seconds(),
    async mintBridgeToken(tenant, externalId = tenant.sessionExternalId) {
      const token = await mintBridgeToken({ kid: tenant.kid, alg: 'HS256', key: tenant.secret, externalCustomerId: externalId, now: f.clock.now() });
      target.seen.add(token);
      return token;
    },
    // One at a time: each request's mail is told apart from the others' by what was already handed out.
    magicToken(tenant) {
      const next = mail.then(async () => {
        const r = await f.call('POST', '/v1/embed/auth/magic-link', {
          body: { email: tenant.knownEmail, returnUrl: 'https://shop.example.com/account' },
          headers: { origin: ORIGIN, 'x-aforo-tenant': tenant.slug, 'x-aforo-embed-key': tenant.embedKey },
        });
        if (r.status !== 202) throw new Error(`magic-link request answered ${r.status} ${r.text}`);
        await f.bridge.drain();
        for (const message of [...f.mailer.outbox].reverse()) {
          const token = /aforo_magic_token=([A-Za-z0-9_-]+)/.exec(message.text)?.[1];
          if (message.to === tenant.knownEmail && token && !handedOut.has(token)) {
            handedOut.add(token);
            target.seen.add(token);
            return token;
          }
        }
        throw new Error(`no new magic-link mail to ${tenant.knownEmail}`);
      });
      mail = next.then(() => undefined, () => undefined);
      return next;
    },
    seen: new Set([ADMIN_TOKEN, f.secret]),
  };
  const bSlug = `b${randomBytes(4).toString('hex')}`;
  const bKeys = await f.addTenant(bSlug);
  target.seen.add(bKeys.secret);
  target.a = await seedTenant(f, f.tenant, { embedKey: f.embedKey, kid: f.kid, secret: f.secret }, () => target);
  target.b = await seedTenant(f, bSlug, bKeys, () => target);
  return { target, fixture: f, logger };
}

const groups = attackGroups();

function battery(name: string, makeStorage: () => Promise<Storage>): void {
  describe(`attack battery on ${name}`, () => {
    let env: Environment;
    before(async () => {
      env = await environment(await makeStorage());
    });
    after(() => env?.fixture.close());

    for (const group of groups) {
      it(group.name, async () => {
        const failures = await group.run(env.target);
        assert.ok(failures.length === 0, `${failures.length} case(s) broke the contract:\n  ${failures.join('\n  ')}`);
      });
    }

    it('storage: no customer, offering or invoice of either tenant holds a NUL, a lone surrogate or a replacement character', async () => {
      const bad: string[] = [];
      for (const tenant of [env.target.a, env.target.b]) {
        const customers = await env.fixture.admin('GET', `/tenants/${tenant.slug}/customers`);
        const offerings = await env.fixture.admin('GET', `/tenants/${tenant.slug}/offerings`);
        assert.equal(customers.status, 200);
        assert.equal(offerings.status, 200);
        const walk = (where: string, value: unknown): void => {
          if (typeof value === 'string' && UNCLEAN_TEXT.test(value)) bad.push(`${where}: ${JSON.stringify(value).slice(0, 80)}`);
          else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) walk(`${where}.${k}`, v);
        };
        walk(`${tenant.slug} customers`, customers.body);
        walk(`${tenant.slug} offerings`, offerings.body);
        for (const c of customers.body.customers as Array<{ externalId: string }>) {
          if (c.externalId.length > 255) bad.push(`${tenant.slug} customer with a ${c.externalId.length}-character externalId`);
        }
      }
      assert.deepEqual(bad, []);
    });

    it('mail: every magic link went to a known customer\'s normalised address only', async () => {
      await env.fixture.bridge.drain();
      const known = new Set([env.target.a.knownEmail, env.target.b.knownEmail]);
      const strays = env.fixture.mailer.outbox.map((m) => m.to).filter((to) => !known.has(to));
      assert.deepEqual(strays, []);
    });

    it('logs: the engine log of the run holds no token, secret, JWT or plain email', async () => {
      await env.fixture.bridge.drain();
      const logs = env.logger.lines.join('\n');
      assert.ok(env.logger.lines.length > 0, 'the engine logged nothing at all');
      const lineWith = (needle: string | RegExp) => env.logger.lines.find((line) => (typeof needle === 'string' ? line.includes(needle) : needle.test(line)))?.slice(0, 300);
      const leaked = [...env.target.seen].filter((s) => s.length >= 16 && logs.includes(s)).map((s) => `${s.slice(0, 12)}… in ${lineWith(s)}`);
      const jwt = /eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*/;
      const email = /[A-Za-z0-9._%+-]+(?:@|%40)t\.test/i;
      const found = [
        ...leaked,
        ...(jwt.test(logs) ? [`a JWT (or part of one) in ${lineWith(jwt)}`] : []),
        ...(email.test(logs) ? [`a plain email in ${lineWith(email)}`] : []),
      ];
      assert.deepEqual(found, [], 'the log holds credentials or plain emails');
    });
  });
}

await onEveryStorage('attack', battery);
