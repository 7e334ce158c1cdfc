import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { SignJWT } from 'jose';
import { call, signIn, startStudioWorld, type StudioWorld } from './helpers/studio.js';

const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');
const seconds = (): number => Math.floor(Date.now() / 1000);
let counter = 0;

describe("Embed Studio token checker: the exchange's answer, without spending anything", () => {
  let world: StudioWorld;
  let studio: { cookie: string; csrf: string };
  let embedKey = '';
  let kid = '';
  let secret = '';
  let otherKid = '';
  let otherSecret = '';
  let revokedKid = '';
  let revokedSecret = '';

  const admin = async (method: string, path: string, body?: unknown) => {
    const answer = await call(world, method, `/studio/api/v1/admin${path}`, { ...studio, body });
    assert.ok(answer.status < 300, `${method} ${path}: ${answer.status} ${JSON.stringify(answer.body)}`);
    return answer.body;
  };
  const check = (token: string, tenant = 'acme') => call(world, 'POST', '/studio/check-token', { ...studio, body: { tenant, bridgeToken: token } });
  const exchange = (token: string) => call(world, 'POST', '/v1/embed/auth/bridge', {
    body: { bridgeToken: token }, headers: { 'x-aforo-tenant': 'acme', 'x-aforo-embed-key': embedKey },
  });

  /** A token with the given claims and header changes; `undefined` removes a claim. */
  const token = (claims: Record<string, unknown> = {}, header: Record<string, unknown> = {}, key = secret, keyId = kid): Promise<string> => {
    counter += 1;
    const now = seconds();
    const payload: Record<string, unknown> = { external_customer_id: `cust-${counter}`, iat: now, exp: now + 300, jti: `jti-${counter}-${Date.now()}`, aud: 'aforo-bridge', ...claims };
    for (const [name, value] of Object.entries(payload)) if (value === undefined) delete payload[name];
    return new SignJWT(payload).setProtectedHeader({ alg: 'HS256', kid: keyId, ...header } as { alg: string }).sign(new TextEncoder().encode(key));
  };

  before(async () => {
    world = await startStudioWorld();
    studio = await signIn(world);
    await admin('POST', '/tenants', { slug: 'acme', name: 'Acme' });
    await admin('POST', '/tenants', { slug: 'other', name: 'Other' });
    embedKey = (await admin('POST', '/tenants/acme/embed-keys', { allowedOrigins: [world.origin] })).id;
    ({ kid, secret } = await admin('POST', '/tenants/acme/signing-keys', { alg: 'HS256' }));
    await admin('POST', `/tenants/acme/signing-keys/${kid}/promote`);
    ({ kid: revokedKid, secret: revokedSecret } = await admin('POST', '/tenants/acme/signing-keys', { alg: 'HS256' }));
    await admin('POST', `/tenants/acme/signing-keys/${revokedKid}/revoke`, {});
    ({ kid: otherKid, secret: otherSecret } = await admin('POST', '/tenants/other/signing-keys', { alg: 'HS256' }));
  });
  after(async () => { await world.close(); });

  const cases: Array<[string, string, () => Promise<string>]> = [
    ['alg none', 'bridge_token_invalid', async () => `${b64({ alg: 'none', kid })}.${b64({ external_customer_id: 'x', iat: seconds(), exp: seconds() + 60, jti: 'n1' })}.`],
    ['garbage', 'bridge_token_invalid', async () => 'not-a-jwt'],
    ['three garbage parts', 'bridge_token_invalid', async () => 'a.b.c'],
    ['tampered payload', 'bridge_token_invalid', async () => {
      const [h, , s] = (await token()).split('.');
      return `${h}.${b64({ external_customer_id: 'someone-else', iat: seconds(), exp: seconds() + 60, jti: 'tampered' })}.${s}`;
    }],
    ['wrong secret', 'bridge_token_invalid', () => token({}, {}, 'not-the-secret-at-all-not-the-secret')],
    ['unknown kid', 'signing_key_unknown', () => token({}, { kid: 'sk_doesnotexist' })],
    ['injected kid', 'signing_key_unknown', () => token({}, { kid: "sk_' OR 1=1 --" })],
    ["another tenant's key", 'signing_key_unknown', () => token({}, {}, otherSecret, otherKid)],
    ['revoked key', 'signing_key_revoked', () => token({}, {}, revokedSecret, revokedKid)],
    ['missing kid', 'bridge_token_invalid', async () => {
      const now = seconds();
      return new SignJWT({ external_customer_id: 'x', iat: now, exp: now + 60, jti: 'nokid' }).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(secret));
    }],
    ['expired', 'bridge_token_expired', () => token({ iat: seconds() - 400, exp: seconds() - 100 })],
    ['future iat', 'bridge_token_invalid', () => token({ iat: seconds() + 120, exp: seconds() + 300 })],
    ['lifetime over 600 s', 'bridge_token_invalid', () => token({ exp: seconds() + 601 })],
    ['missing jti', 'bridge_token_invalid', () => token({ jti: undefined })],
    ['jti over 128 chars', 'bridge_token_invalid', () => token({ jti: 'j'.repeat(129) })],
    ['missing external_customer_id', 'bridge_token_invalid', () => token({ external_customer_id: undefined })],
    ['external id over 255 chars', 'bridge_token_invalid', () => token({ external_customer_id: 'x'.repeat(256) })],
    ['non-string external id', 'bridge_token_invalid', () => token({ external_customer_id: 42 })],
    ['null external id', 'bridge_token_invalid', () => token({ external_customer_id: null })],
    ['missing exp', 'bridge_token_invalid', () => token({ exp: undefined })],
    ['missing iat', 'bridge_token_invalid', () => token({ iat: undefined })],
    ['wrong aud', 'bridge_token_invalid', () => token({ aud: 'someone-else' })],
    ['oversized', 'bridge_token_invalid', () => token({ pad: 'x'.repeat(9000) })],
    ['alg swapped to HS512 with the same secret', 'bridge_token_invalid', () => token({}, { alg: 'HS512' })],
  ];

  for (const [name, code, build] of cases) {
    test(`checker: ${name} is ${code}, as the exchange answers`, async () => {
      const bridgeToken = await build();
      const checked = await check(bridgeToken);
      assert.equal(checked.status, 200, JSON.stringify(checked.body));
      const exchanged = await exchange(bridgeToken);
      assert.equal(exchanged.body.error?.code, code);
      assert.equal(checked.body.answer.code, exchanged.body.error.code);
      assert.equal(checked.body.answer.status, exchanged.status);
    });
  }

  test('checker: a good token is ok and stays usable; after the exchange the checker says bridge_token_replayed, as the exchange does', async () => {
    const bridgeToken = await token({ email: 'ana@acme.test' });
    const first = await check(bridgeToken);
    assert.equal(first.body.answer.code, 'ok');
    assert.equal(first.body.header.kid, kid);
    assert.equal(first.body.claims.email, 'ana@acme.test');
    assert.equal((await check(bridgeToken)).body.answer.code, 'ok', 'checking twice spends nothing');
    const exchanged = await exchange(bridgeToken);
    assert.equal(exchanged.status, 200, JSON.stringify(exchanged.body));
    const replayCheck = await check(bridgeToken);
    const replay = await exchange(bridgeToken);
    assert.equal(replay.body.error.code, 'bridge_token_replayed');
    assert.equal(replayCheck.body.answer.code, 'bridge_token_replayed');
  });

  test('checker: an expired token shows the clock: how long ago it expired, the leeway and the engine time', async () => {
    const answer = await check(await token({ iat: seconds() - 400, exp: seconds() - 100 }));
    assert.equal(answer.body.answer.code, 'bridge_token_expired');
    assert.equal(answer.body.clock.leewaySeconds, 30);
    assert.equal(answer.body.clock.maxLifetimeSeconds, 600);
    assert.ok(answer.body.clock.expiresInSeconds < -30);
    assert.ok(!Number.isNaN(Date.parse(answer.body.clock.engineTime)));
  });

  test('checker: checking creates no customer, no session and no refusal in the audit trail', async () => {
    const before = (await admin('GET', '/tenants/acme/audit?limit=500')).events.length;
    const customers = (await admin('GET', '/tenants/acme/customers')).customers.length;
    await check(await token());
    await check(await token({ exp: seconds() - 100, iat: seconds() - 200 }));
    await check('not-a-jwt');
    assert.equal((await admin('GET', '/tenants/acme/audit?limit=500')).events.length, before);
    assert.equal((await admin('GET', '/tenants/acme/customers')).customers.length, customers);
  });

  test('checker: concurrent checks of one token with its exchange give one session, and the token is never spent by a check', async () => {
    const bridgeToken = await token();
    const answers = await Promise.all([check(bridgeToken), check(bridgeToken), exchange(bridgeToken), check(bridgeToken), check(bridgeToken)]);
    assert.equal(answers[2].status, 200, 'the exchange wins whatever the checks did');
    for (const i of [0, 1, 3, 4]) assert.ok(['ok', 'bridge_token_replayed'].includes(answers[i].body.answer.code));
    assert.equal((await exchange(bridgeToken)).body.error.code, 'bridge_token_replayed');
  });

  test('checker: hostile bodies get the error envelope, never a 500', async () => {
    const bad: Array<[string, string, number]> = [
      ['NUL in the token', JSON.stringify({ tenant: 'acme', bridgeToken: 'a\u0000b' }), 400],
      ['lone surrogate', '{"tenant":"acme","bridgeToken":"\\udc00abc"}', 400],
      ['wrong-typed token', JSON.stringify({ tenant: 'acme', bridgeToken: { a: 1 } }), 400],
      ['wrong-typed tenant', JSON.stringify({ tenant: ['acme'], bridgeToken: 'x' }), 400],
      ['bad slug', JSON.stringify({ tenant: '../acme', bridgeToken: 'x' }), 400],
      ['__proto__', '{"tenant":"acme","bridgeToken":"x","__proto__":{"ok":true}}', 400],
      ['empty token', JSON.stringify({ tenant: 'acme', bridgeToken: '' }), 400],
      ['huge', JSON.stringify({ tenant: 'acme', bridgeToken: 'x'.repeat(17_000) }), 413],
    ];
    for (const [name, raw, status] of bad) {
      const answer = await call(world, 'POST', '/studio/check-token', { ...studio, raw });
      assert.equal(answer.status, status, name);
      assert.ok(typeof answer.body.error.code === 'string', name);
    }
    const unknownTenant = await check(await token(), 'nobody-here');
    assert.equal(unknownTenant.body.answer.code, 'signing_key_unknown');
  });
});
