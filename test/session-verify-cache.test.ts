import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { memoryMailer } from '../adapters/mail.js';
import { createBridge } from '../lib/bridge.js';
import { BridgeError } from '../lib/errors.js';
import { mintBridgeToken } from '../lib/mint.js';
import { memoryStorage } from '../storage/memory.js';

// A session JWT that verified once is kept by its digest; these are the ways a kept token must still fail.
async function setUp() {
  let now = Date.parse('2026-06-01T12:00:00Z');
  const bridge = createBridge({
    storage: memoryStorage(),
    mailer: memoryMailer(),
    issuer: 'https://portal.example.com/aforo',
    clock: () => new Date(now),
  });
  const { admin } = bridge.api;
  await admin.createTenant({ slug: 'cache', name: 'Cache Co' });
  const ek = (await admin.createEmbedKey('cache', { allowedOrigins: ['https://a.example.com'] })) as { key: string };
  const sk = (await admin.createSigningKey('cache', { alg: 'HS256' })) as { kid: string; secret: string };
  await admin.promoteSigningKey('cache', sk.kid);
  const call = { tenant: 'cache', embedKey: ek.key, origin: 'https://a.example.com' };
  const exchange = async (externalCustomerId = 'cust-1') => {
    const bridgeToken = await mintBridgeToken({ kid: sk.kid, alg: 'HS256', key: sk.secret, externalCustomerId, now: new Date(now) });
    return bridge.api.exchangeBridgeToken({ ...call, bridgeToken });
  };
  return { bridge, call, exchange, advance: (ms: number) => (now += ms) };
}

const code = (expected: string) => (error: unknown) => error instanceof BridgeError && error.code === expected;

describe('verified session JWTs kept in process', () => {
  it('verify cache: a kept token is refused once expired, by the engine clock', async () => {
    const { bridge, call, exchange, advance } = await setUp();
    const { sessionJwt } = await exchange();
    assert.equal((await bridge.api.getMe({ ...call, sessionJwt })).customer.externalId, 'cust-1');
    advance(3_600_000);
    await assert.rejects(bridge.api.getMe({ ...call, sessionJwt }), code('session_expired'));
    await bridge.close();
  });

  it('verify cache: a kept token whose session was logged out or revoked is refused on the next call', async () => {
    const { bridge, call, exchange } = await setUp();
    const first = await exchange('cust-a');
    await bridge.api.getMe({ ...call, sessionJwt: first.sessionJwt });
    await bridge.api.logout({ ...call, sessionJwt: first.sessionJwt });
    await assert.rejects(bridge.api.getMe({ ...call, sessionJwt: first.sessionJwt }), code('session_invalid'));
    await bridge.close();
  });

  it('verify cache: every altered copy of a kept token is refused (header, payload, signature, truncation)', async () => {
    const { bridge, call, exchange } = await setUp();
    const { sessionJwt } = await exchange();
    await bridge.api.getMe({ ...call, sessionJwt });
    const [header, payload, signature] = sessionJwt.split('.');
    const flip = (part: string, at: number) => part.slice(0, at) + (part[at] === 'A' ? 'B' : 'A') + part.slice(at + 1);
    const altered = [
      `${flip(header, 5)}.${payload}.${signature}`,
      `${header}.${flip(payload, 10)}.${signature}`,
      `${header}.${payload}.${flip(signature, 20)}`,
      `${header}.${payload}.${signature.slice(0, -2)}`,
      `${header}.${payload}.`,
    ];
    for (const jwt of altered) {
      await assert.rejects(bridge.api.getMe({ ...call, sessionJwt: jwt }), (e: unknown) => e instanceof BridgeError && e.status === 401, jwt);
    }
    assert.equal((await bridge.api.getMe({ ...call, sessionJwt })).customer.externalId, 'cust-1');
    await bridge.close();
  });

  it("verify cache: a kept token is still checked against the call's tenant and embed key", async () => {
    const { bridge, call, exchange } = await setUp();
    const { sessionJwt } = await exchange();
    await bridge.api.getMe({ ...call, sessionJwt });
    await bridge.api.admin.createTenant({ slug: 'other', name: 'Other' });
    const other = (await bridge.api.admin.createEmbedKey('other', { allowedOrigins: ['https://a.example.com'] })) as { key: string };
    await assert.rejects(bridge.api.getMe({ ...call, tenant: 'other', embedKey: other.key, sessionJwt }), code('session_invalid'));
    await assert.rejects(bridge.api.verifySession(sessionJwt, { tenant: 'other' }), code('session_invalid'));
    await bridge.close();
  });

  it('verify cache: what a caller does to the claims it was given does not reach the next caller', async () => {
    const { bridge, exchange } = await setUp();
    const { sessionJwt } = await exchange();
    const first = await bridge.api.verifySession(sessionJwt, { tenant: 'cache' });
    const again = await bridge.api.verifySession(sessionJwt, { tenant: 'cache' });
    (again.claims as { tid: string }).tid = 'other';
    again.claims.amr.push('magic_link');
    const third = await bridge.api.verifySession(sessionJwt, { tenant: 'cache' });
    assert.equal(third.claims.tid, 'cache');
    assert.deepEqual(third.claims.amr, ['bridge']);
    assert.deepEqual(third.claims, first.claims);
    await bridge.close();
  });
});
