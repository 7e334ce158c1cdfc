import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, mock, test } from 'node:test';
import { createSession, refreshDelay } from '../widgets/session.js';

/** The SDK's session logic in Node with a scripted fetch and mocked timers; the browser tests cover the rest. */

interface Call {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: unknown;
  credentials: RequestCredentials | undefined;
}

type Reply = { status: number; body?: unknown } | 'network_error';

const TARGET = { apiBase: 'https://portal.example.com/aforo', tenant: 'acme', embedKey: 'ek_test_abc' };
const answer = (jwt: string, expiresIn = 3600): Reply => ({ status: 200, body: { sessionJwt: jwt, expiresIn, expiresAt: '2026-03-01T11:00:00Z' } });
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('widget session (Node, scripted engine)', () => {
  let calls: Call[];
  let replies: Array<Reply | Promise<Reply>>;
  const realFetch = globalThis.fetch;

  beforeEach(() => {
    calls = [];
    replies = [];
    mock.timers.enable({ apis: ['setTimeout'] });
    globalThis.fetch = async (input: string | URL | Request, init?: RequestInit) => {
      const url = new URL(String(input));
      calls.push({
        method: init?.method ?? 'GET',
        path: url.pathname.replace('/aforo', ''),
        headers: { ...(init?.headers as Record<string, string>) },
        body: init?.body ? JSON.parse(String(init.body)) : undefined,
        credentials: init?.credentials,
      });
      const reply = await (replies.shift() ?? { status: 500 });
      if (reply === 'network_error') throw new TypeError('Failed to fetch');
      return new Response(reply.status === 204 ? null : JSON.stringify(reply.body ?? {}), { status: reply.status });
    };
  });
  afterEach(() => {
    mock.timers.reset();
    globalThis.fetch = realFetch;
  });

  test('refreshDelay: five minutes before expiry, half-life for short sessions', () => {
    assert.equal(refreshDelay(3600), 3300);
    assert.equal(refreshDelay(900), 600);
    assert.equal(refreshDelay(600), 300);
    assert.equal(refreshDelay(60), 30);
  });

  test('concurrent getSessionJwt calls exchange the bridge token once', async () => {
    let release: (reply: Reply) => void = () => undefined;
    replies.push(new Promise<Reply>((resolve) => (release = resolve)));
    const session = createSession(TARGET);
    const changes: boolean[] = [];
    session.onChange((signedIn) => changes.push(signedIn));
    const pending = [session.getSessionJwt('bt-1'), session.getSessionJwt('bt-1'), session.getSessionJwt('bt-2'), session.getSessionJwt()];
    release(answer('jwt-1'));
    assert.deepEqual(await Promise.all(pending), ['jwt-1', 'jwt-1', 'jwt-1', 'jwt-1']);
    assert.equal(calls.length, 1);
    assert.deepEqual(calls[0], {
      method: 'POST',
      path: '/v1/embed/auth/bridge',
      headers: { 'X-Aforo-Tenant': 'acme', 'X-Aforo-Embed-Key': 'ek_test_abc', 'Content-Type': 'application/json' },
      body: { bridgeToken: 'bt-1' },
      credentials: 'omit',
    });
    assert.deepEqual(changes, [true]);
    assert.equal(await session.getSessionJwt('bt-3'), 'jwt-1', 'an existing session is reused, a new token ignored');
    assert.equal(calls.length, 1);
  });

  test('refresh runs on the engine\'s expiresIn and replaces the JWT', async () => {
    replies.push(answer('jwt-1', 3600), answer('jwt-2', 3600));
    const session = createSession(TARGET);
    await session.getSessionJwt('bt');
    mock.timers.tick(3_299_999);
    await settle();
    assert.equal(calls.length, 1);
    mock.timers.tick(1);
    await settle();
    assert.equal(calls.length, 2);
    assert.equal(calls[1].path, '/v1/embed/auth/refresh');
    assert.equal(calls[1].headers.Authorization, 'Bearer jwt-1');
    assert.equal(await session.getSessionJwt(), 'jwt-2');
  });

  test('a network failure on refresh is retried with back-off; a 401 ends the session', async () => {
    replies.push(answer('jwt-1', 60), 'network_error', 'network_error', answer('jwt-2', 60), { status: 401, body: { error: { code: 'session_expired' } } });
    const session = createSession(TARGET);
    const changes: boolean[] = [];
    session.onChange((signedIn) => changes.push(signedIn));
    await session.getSessionJwt('bt');
    mock.timers.tick(30_000);
    await settle();
    assert.equal(calls.length, 2, 'first refresh failed');
    mock.timers.tick(5_000);
    await settle();
    assert.equal(calls.length, 3, 'retried after 5 s');
    mock.timers.tick(9_999);
    await settle();
    assert.equal(calls.length, 3);
    mock.timers.tick(1);
    await settle();
    assert.equal(calls.length, 4, 'retried again after 10 s');
    assert.equal(await session.getSessionJwt(), 'jwt-2');
    mock.timers.tick(30_000);
    await settle();
    assert.equal(calls.length, 5);
    assert.equal(await session.getSessionJwt(), null);
    assert.deepEqual(changes, [true, false]);
    mock.timers.tick(3_600_000);
    await settle();
    assert.equal(calls.length, 5, 'nothing is scheduled after the end');
  });

  test('destroy logs out with the JWT, forgets it and stops refreshing', async () => {
    replies.push(answer('jwt-1'), { status: 204 });
    const session = createSession(TARGET);
    await session.getSessionJwt('bt');
    await session.destroy();
    assert.equal(calls[1].path, '/v1/embed/auth/logout');
    assert.equal(calls[1].headers.Authorization, 'Bearer jwt-1');
    assert.equal(await session.getSessionJwt(), null);
    mock.timers.tick(3_600_000);
    await settle();
    assert.equal(calls.length, 2);
  });

  test('a session whose exchange answers after destroy is logged out, never adopted', async () => {
    let release: (reply: Reply) => void = () => undefined;
    replies.push(new Promise<Reply>((resolve) => (release = resolve)), { status: 204 });
    const session = createSession(TARGET);
    const exchange = session.getSessionJwt('bt');
    await session.destroy();
    release(answer('jwt-late'));
    assert.equal(await exchange, null);
    await settle();
    assert.equal(calls[1].path, '/v1/embed/auth/logout');
    assert.equal(calls[1].headers.Authorization, 'Bearer jwt-late');
    assert.equal(await session.getSessionJwt(), null);
  });

  test('a refused exchange rejects with the engine\'s code and leaves the session signed out', async () => {
    replies.push({ status: 401, body: { error: { code: 'bridge_token_expired', message: 'expired' } } });
    const session = createSession(TARGET);
    await assert.rejects(session.getSessionJwt('bt'), { name: 'ApiError', code: 'bridge_token_expired', status: 401 });
    assert.equal(await session.getSessionJwt(), null);
  });
});
