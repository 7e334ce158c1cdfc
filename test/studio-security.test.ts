import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { join } from 'node:path';
import { memoryMailer } from '../adapters/mail.js';
import { spawnCaptured } from './helpers/child.js';
import { createBridge } from '../lib/bridge.js';
import { STUDIO_CSP } from '../lib/studio/routes.js';
import { memoryStorage } from '../storage/memory.js';
import { call, signIn, startStudioWorld, STUDIO_ADMIN_TOKEN, type StudioWorld } from './helpers/studio.js';

const plain = (path: string, method = 'GET') => ({ method, path, query: {}, headers: {}, ip: '127.0.0.1' });

describe('Embed Studio: where it is served', () => {
  test('createBridge serves no studio by default, nor with studio: true but no admin token', async () => {
    const quiet = createBridge({ storage: memoryStorage(), mailer: memoryMailer(), issuer: 'https://p.example.com/aforo', adminToken: STUDIO_ADMIN_TOKEN });
    const tokenless = createBridge({ storage: memoryStorage(), mailer: memoryMailer(), issuer: 'https://p.example.com/aforo', studio: true });
    for (const bridge of [quiet, tokenless]) {
      for (const path of ['/studio', '/studio/session', '/studio/api/v1/admin/tenants']) assert.equal(await bridge.handle(plain(path)), null, path);
      await bridge.close();
    }
  });

  test('createBridge refuses a studio option that is not a boolean, naming it', () => {
    assert.throws(() => createBridge({ storage: memoryStorage(), mailer: memoryMailer(), issuer: 'https://p.example.com/aforo', studio: 'yes' as unknown as boolean }), /studio must be a boolean/);
  });

  test('serve: the studio is on by default with an admin token, off with studio: false, absent without a token', async () => {
    const on = await startStudioWorld();
    const off = await startStudioWorld({ studio: false });
    const tokenless = await startStudioWorld({ adminToken: null });
    try {
      const page = await call(on, 'GET', '/studio');
      assert.equal(page.status, 200);
      assert.match(page.headers.get('content-type') ?? '', /^text\/html/);
      // With a trailing slash the page's relative asset URLs would miss: the address is sent to the page's own.
      const slashed = await fetch(`${on.base}/studio/`, { redirect: 'manual' });
      assert.equal(slashed.status, 308);
      assert.equal(new URL(slashed.headers.get('location') ?? '', `${on.base}/`).pathname, new URL(`${on.base}/studio`).pathname);
      assert.equal(slashed.headers.get('content-security-policy'), STUDIO_CSP);
      assert.equal((await fetch(`${on.base}/studio/`, { method: 'POST', redirect: 'manual' })).status, 404);
      assert.equal((await fetch(`${off.base}/studio/`, { redirect: 'manual' })).status, 404);
      assert.equal((await call(off, 'GET', '/studio')).status, 404);
      assert.equal((await call(tokenless, 'GET', '/studio')).status, 404);
      assert.equal((await call(tokenless, 'POST', '/studio/session', { body: { adminToken: 'x'.repeat(20) } })).status, 404);
    } finally {
      await Promise.all([on.close(), off.close(), tokenless.close()]);
    }
  });
});

describe('Embed Studio: the serve command', () => {
  const ROOT = join(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '..');
  // Starts the real CLI; resolves the studio page's status, then stops it.
  async function studioStatus(args: string[], env: Record<string, string> = {}): Promise<{ status: number; stdout: string }> {
    const run = spawnCaptured([join(ROOT, 'bin', 'aforo-bridge.mjs'), 'serve', '--host', '127.0.0.1', '--port', '0', '--storage', 'memory', ...args], ROOT,
      { AFORO_ADMIN_TOKEN: STUDIO_ADMIN_TOKEN, ...env });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        const guard = setTimeout(() => reject(new Error(`serve did not start: ${run.stderr()}`)), 30_000);
        run.child.stdout?.on('data', () => {
          const match = /listening on (http:\/\/\S+)/.exec(run.stdout());
          if (match) { clearTimeout(guard); resolve(match[1]); }
        });
      });
      const status = (await fetch(`${url}/aforo/studio`)).status;
      return { status, stdout: run.stdout() };
    } finally {
      run.child.kill('SIGTERM');
      await run.exited;
    }
  }

  test('serve: the studio is on by default and says where; --no-studio and AFORO_NO_STUDIO turn it off', async () => {
    const on = await studioStatus([]);
    assert.equal(on.status, 200);
    assert.match(on.stdout, /Embed Studio at http:\/\/\S+\/aforo\/studio/);
    const off = await studioStatus(['--no-studio']);
    assert.equal(off.status, 404);
    assert.doesNotMatch(off.stdout, /Embed Studio/);
    assert.equal((await studioStatus([], { AFORO_NO_STUDIO: 'true' })).status, 404);
  });
});

describe('Embed Studio: session, cookie and CSRF', () => {
  let world: StudioWorld;
  before(async () => { world = await startStudioWorld(); });
  after(async () => { await world.close(); });

  test('the page carries a strict CSP (no inline script, no eval, Trusted Types, no framing) and its files are pinned by SRI', async () => {
    const page = await call(world, 'GET', '/studio');
    const csp = page.headers.get('content-security-policy') ?? '';
    assert.equal(csp, STUDIO_CSP);
    for (const part of ["script-src 'self'", "frame-ancestors 'none'", "require-trusted-types-for 'script'", "default-src 'none'", "connect-src 'self'"]) assert.ok(csp.includes(part), part);
    assert.ok(!csp.includes('unsafe-inline') && !csp.includes('unsafe-eval'));
    assert.equal(page.headers.get('x-frame-options'), 'DENY');
    const html = String(page.body);
    assert.doesNotMatch(html, /<script>(?!<\/script>)|<script[^>]*>[^<]+<\/script>|style=/);
    const script = /src="studio\/assets\/(studio\.[0-9a-f]{16}\.js)" integrity="(sha384-[^"]+)"/.exec(html);
    assert.ok(script, 'the script is content-hashed and pinned');
    const file = await call(world, 'GET', `/studio/assets/${script[1]}`);
    assert.equal(file.status, 200);
    assert.match(file.headers.get('cache-control') ?? '', /immutable/);
    assert.equal((await call(world, 'GET', '/studio/assets/studio.0000000000000000.js')).status, 404);
  });

  test('sign-in sets an HttpOnly, SameSite=Strict cookie scoped to the studio path, not Secure only on loopback http, holding no admin token', async () => {
    const { setCookie, cookie, csrf } = await signIn(world);
    assert.match(setCookie, /^aforo_studio=[A-Za-z0-9_-]{43}; /);
    assert.match(setCookie, /; Path=\/aforo\/studio(;|$)/);
    assert.match(setCookie, /; HttpOnly(;|$)/);
    assert.match(setCookie, /; SameSite=Strict(;|$)/);
    assert.match(setCookie, /; Max-Age=28800(;|$)/);
    assert.doesNotMatch(setCookie, /Secure/, 'http://127.0.0.1 is loopback');
    assert.ok(!setCookie.includes(STUDIO_ADMIN_TOKEN));
    assert.ok(csrf.length >= 43 && !cookie.includes(csrf));
    const session = await call(world, 'GET', '/studio/session', { cookie });
    assert.equal(session.status, 200);
    assert.equal(session.body.csrfToken, csrf);
  });

  test('an https issuer makes the cookie Secure', async () => {
    const bridge = createBridge({ storage: memoryStorage(), mailer: memoryMailer(), issuer: 'https://portal.example.com/aforo', adminToken: STUDIO_ADMIN_TOKEN, studio: true });
    const answer = await bridge.handle({ ...plain('/studio/session', 'POST'), headers: { 'content-type': 'application/json', origin: 'https://portal.example.com' }, body: JSON.stringify({ adminToken: STUDIO_ADMIN_TOKEN }) });
    assert.equal(answer?.status, 201);
    assert.match(answer?.headers['set-cookie'] ?? '', /; Secure$/);
    await bridge.close();
  });

  test('every state-changing call needs the CSRF token: missing, wrong or from another session is refused, and nothing is created', async () => {
    const a = await signIn(world);
    const b = await signIn(world);
    const body = { slug: 'csrf-probe', name: 'Probe' };
    for (const csrf of [undefined, '', 'x'.repeat(43), b.csrf]) {
      const refused = await call(world, 'POST', '/studio/api/v1/admin/tenants', { cookie: a.cookie, csrf, body });
      assert.equal(refused.status, 401, String(csrf));
      assert.equal(refused.body.error.code, 'unauthorized');
    }
    const crossSite = await call(world, 'POST', '/studio/api/v1/admin/tenants', { cookie: a.cookie, csrf: a.csrf, body, origin: 'https://evil.example' });
    assert.equal(crossSite.status, 401);
    const noOrigin = await call(world, 'POST', '/studio/api/v1/admin/tenants', { cookie: a.cookie, csrf: a.csrf, body, origin: null, headers: { 'sec-fetch-site': 'cross-site' } });
    assert.equal(noOrigin.status, 401);
    const list = await call(world, 'GET', '/studio/api/v1/admin/tenants', { cookie: a.cookie });
    assert.equal(list.body.tenants.some((t: { slug: string }) => t.slug === 'csrf-probe'), false);
    const made = await call(world, 'POST', '/studio/api/v1/admin/tenants', { cookie: a.cookie, csrf: a.csrf, body });
    assert.equal(made.status, 201);
    for (const path of ['/studio/session/end', '/studio/check-token']) {
      assert.equal((await call(world, 'POST', path, { cookie: a.cookie, body: {} })).status, 401, path);
    }
  });

  test('without a studio cookie nothing below /studio/api answers, and a studio cookie opens neither the admin API nor the widget API', async () => {
    const { cookie, csrf } = await signIn(world);
    assert.equal((await call(world, 'GET', '/studio/api/v1/admin/tenants')).status, 401);
    assert.equal((await call(world, 'GET', '/studio/api/v1/admin/tenants', { cookie: 'aforo_studio=' + 'A'.repeat(43) })).status, 401);
    const admin = await call(world, 'GET', '/v1/admin/tenants', { cookie, headers: { 'x-aforo-csrf': csrf } });
    assert.equal(admin.status, 401);
    for (const path of ['/v1/embed/me', '/v1/embed/invoices', '/v1/embed/config']) {
      const widget = await call(world, 'GET', path, { cookie, headers: { 'x-aforo-csrf': csrf } });
      assert.equal(widget.status, 401, path);
      assert.ok(['embed_key_invalid', 'session_invalid'].includes(widget.body.error.code), path);
    }
    const refresh = await call(world, 'POST', '/v1/embed/auth/refresh', { cookie, csrf, body: {} });
    assert.equal(refresh.status, 401);
  });

  test('sign-out ends the session on the server: the old cookie and CSRF token open nothing afterwards', async () => {
    const { cookie, csrf } = await signIn(world);
    const end = await call(world, 'POST', '/studio/session/end', { cookie, csrf });
    assert.equal(end.status, 204);
    assert.match(end.headers.get('set-cookie') ?? '', /^aforo_studio=; .*Max-Age=0/);
    assert.equal((await call(world, 'GET', '/studio/session', { cookie })).status, 401);
    assert.equal((await call(world, 'GET', '/studio/api/v1/admin/tenants', { cookie })).status, 401);
    assert.equal((await call(world, 'POST', '/studio/api/v1/admin/tenants', { cookie, csrf, body: { slug: 'after-end', name: 'x' } })).status, 401);
  });

  test('hostile sign-in bodies get the error envelope, never a 500 or a session', async () => {
    const cases: Array<[string, string, number, string]> = [
      ['NUL', JSON.stringify({ adminToken: `${STUDIO_ADMIN_TOKEN}\u0000` }), 400, 'invalid_request'],
      ['lone surrogate', `{"adminToken":"\\ud800${STUDIO_ADMIN_TOKEN}"}`, 400, 'invalid_request'],
      ['number', JSON.stringify({ adminToken: 12 }), 400, 'invalid_request'],
      ['array', JSON.stringify({ adminToken: [STUDIO_ADMIN_TOKEN] }), 400, 'invalid_request'],
      ['__proto__ key', `{"adminToken":"${STUDIO_ADMIN_TOKEN}","__proto__":{"admin":true}}`, 400, 'invalid_request'],
      ['unknown field', JSON.stringify({ adminToken: STUDIO_ADMIN_TOKEN, role: 'owner' }), 400, 'invalid_request'],
      ['huge', JSON.stringify({ adminToken: 'x'.repeat(20_000) }), 413, 'payload_too_large'],
      ['not JSON', '{adminToken:', 400, 'invalid_request'],
      ['null body', 'null', 400, 'invalid_request'],
    ];
    for (const [name, raw, status, code] of cases) {
      const answer = await call(world, 'POST', '/studio/session', { raw });
      assert.equal(answer.status, status, name);
      assert.equal(answer.body.error.code, code, name);
      assert.equal(answer.headers.get('set-cookie'), null, name);
    }
    const media = await call(world, 'POST', '/studio/session', { raw: JSON.stringify({ adminToken: STUDIO_ADMIN_TOKEN }), headers: { 'content-type': 'text/plain' } });
    assert.equal(media.status, 415);
    const nulPath = await call(world, 'GET', '/studio/assets/studio%00.js');
    assert.equal(nulPath.status, 400);
  });

  test("the admin API through the studio keeps the API's rules: another tenant's ids are not found, bad origins get the API's message", async () => {
    const { cookie, csrf } = await signIn(world);
    const post = (path: string, body?: unknown) => call(world, 'POST', `/studio/api/v1/admin${path}`, { cookie, csrf, body });
    assert.equal((await post('/tenants', { slug: 'alpha', name: 'Alpha' })).status, 201);
    assert.equal((await post('/tenants', { slug: 'beta', name: 'Beta' })).status, 201);
    assert.equal((await post('/tenants', { slug: 'beta', name: 'Again' })).body.error.code, 'conflict');
    const alphaKey = (await post('/tenants/alpha/embed-keys', { allowedOrigins: ['https://a.example'] })).body;
    const alphaSigning = (await post('/tenants/alpha/signing-keys', { alg: 'HS256' })).body;
    assert.equal((await post(`/tenants/beta/embed-keys/${alphaKey.id}/revoke`)).body.error.code, 'not_found');
    assert.equal((await post(`/tenants/beta/signing-keys/${alphaSigning.kid}/promote`)).body.error.code, 'not_found');
    const viaStudio = await post('/tenants/alpha/embed-keys', { allowedOrigins: ['https://a.example/path'] });
    const viaApi = await call(world, 'POST', '/v1/admin/tenants/alpha/embed-keys', { body: { allowedOrigins: ['https://a.example/path'] }, headers: { authorization: `Bearer ${STUDIO_ADMIN_TOKEN}` } });
    assert.equal(viaStudio.status, 400);
    assert.deepEqual(viaStudio.body, viaApi.body);
    const proto = await call(world, 'POST', '/studio/api/v1/admin/tenants', { cookie, csrf, raw: '{"slug":"gamma","name":"G","__proto__":{"x":1}}' });
    assert.equal(proto.body.error.code, 'invalid_request');
    const wrongType = await post('/tenants', { slug: 42, name: ['x'] });
    assert.equal(wrongType.body.error.code, 'invalid_request');
    // Concurrent creates of one slug through the studio: exactly one wins.
    const racing = await Promise.all(Array.from({ length: 6 }, () => post('/tenants', { slug: 'race', name: 'Race' })));
    assert.equal(racing.filter((r) => r.status === 201).length, 1);
    assert.ok(racing.every((r) => r.status === 201 || r.body.error.code === 'conflict'));
    const listed = await call(world, 'GET', '/studio/api/v1/admin/tenants/alpha/signing-keys', { cookie });
    assert.equal(JSON.stringify(listed.body).includes(alphaSigning.secret), false, 'a listed key carries no secret');
  });
});

describe('Embed Studio: throttling and lifetimes', () => {
  test('wrong sign-in tokens share the admin API limit: past 30 a minute from one address they get 429; the right token still signs in', async () => {
    const world = await startStudioWorld({ adminRateLimit: 30 });
    try {
      for (let i = 0; i < 20; i += 1) assert.equal((await call(world, 'POST', '/studio/session', { body: { adminToken: `wrong-${i}` } })).status, 401);
      for (let i = 0; i < 10; i += 1) assert.equal((await call(world, 'GET', '/v1/admin/tenants', { headers: { authorization: 'Bearer wrong-token-xxxxxxxx' } })).status, 401);
      const limited = await call(world, 'POST', '/studio/session', { body: { adminToken: 'wrong-again' } });
      assert.equal(limited.status, 429);
      assert.equal(limited.body.error.code, 'rate_limited');
      assert.ok(Number(limited.headers.get('retry-after')) >= 1);
      const right = await call(world, 'POST', '/studio/session', { body: { adminToken: STUDIO_ADMIN_TOKEN } });
      assert.equal(right.status, 201);
    } finally {
      await world.close();
    }
  });

  test('a studio session ends after 30 idle minutes and after 8 hours however busy', async () => {
    let now = Date.parse('2026-03-01T09:00:00Z');
    const world = await startStudioWorld({ clock: () => new Date(now) });
    try {
      const idle = await signIn(world);
      now += 29 * 60_000;
      assert.equal((await call(world, 'GET', '/studio/session', { cookie: idle.cookie })).status, 200);
      now += 29 * 60_000;
      assert.equal((await call(world, 'GET', '/studio/session', { cookie: idle.cookie })).status, 200, 'use resets the idle clock');
      now += 31 * 60_000;
      assert.equal((await call(world, 'GET', '/studio/session', { cookie: idle.cookie })).status, 401, 'idle 31 minutes');

      const busy = await signIn(world);
      for (let hour = 0; hour < 16; hour += 1) {
        now += 29 * 60_000;
        assert.equal((await call(world, 'GET', '/studio/session', { cookie: busy.cookie })).status, 200);
      }
      now += 29 * 60_000;
      assert.equal((await call(world, 'GET', '/studio/session', { cookie: busy.cookie })).status, 401, 'past 8 hours');
    } finally {
      await world.close();
    }
  });
});
