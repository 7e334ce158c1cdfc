import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { memoryMailer } from '../adapters/mail.js';
import { createBridge } from '../lib/bridge.js';
import { clientIp } from '../lib/client-ip.js';
import { createSealer } from '../lib/crypto.js';
import { ConfigError } from '../lib/errors.js';
import { normaliseAllowedOrigin, parseRequestOrigin } from '../lib/origin.js';
import { memoryStorage } from '../storage/memory.js';

const base = () => ({ storage: memoryStorage(), mailer: memoryMailer(), issuer: 'https://portal.example.com/aforo' });

describe('createBridge options', () => {
  const bad: Array<[string, Record<string, unknown>, RegExp]> = [
    ['unknown option', { sessionTTL: 10 }, /unknown option sessionTTL/],
    ['missing storage', { storage: undefined }, /storage is required/],
    ['missing mailer', { mailer: undefined }, /mailer is required/],
    ['issuer not a URL', { issuer: 'portal' }, /issuer must be an absolute URL/],
    ['short admin token', { adminToken: 'short' }, /adminToken must be a string of at least 16/],
    ['master key of 16 bytes', { masterKey: randomBytes(16).toString('base64') }, /masterKey must be base64 of exactly 32 bytes/],
    ['sessionTtl too small', { sessionTtl: 5 }, /sessionTtl must be an integer between 60 and 86400/],
    ['maxAge under ttl', { sessionTtl: 3600, sessionMaxAge: 600 }, /sessionMaxAge must be at least sessionTtl/],
    ['unknown magicLink option', { magicLink: { tll: 5 } }, /unknown option magicLink.tll/],
    ['magicLink.ttl', { magicLink: { ttl: 'long' } }, /magicLink.ttl must be an integer/],
    ['bridgeToken.leeway', { bridgeToken: { leeway: -1 } }, /bridgeToken.leeway must be an integer/],
    ['trustProxy', { trustProxy: 'yes' }, /trustProxy must be a hop count/],
    ['ipRateLimit', { ipRateLimit: 0 }, /ipRateLimit must be an integer/],
    ['logger', { logger: { info() {} } }, /logger must have a debug\(\) method/],
    ['locale', { magicLink: { locale: 'not a locale!' } }, /magicLink.locale/],
    ['a subscription hook that is not a function', { dataSource: { listSubscriptions: 'yes' } }, /dataSource.listSubscriptions must be a function/],
    ['an id-scoped hook without listSubscriptions', { dataSource: { cancelSubscription: async () => ({}) } }, /dataSource.cancelSubscription needs dataSource.listSubscriptions/],
    ['an unknown dataSource hook', { dataSource: { listPayments: async () => [] } }, /unknown option dataSource.listPayments/],
    ['sessionRateLimit', { sessionRateLimit: 0 }, /sessionRateLimit must be an integer/],
  ];
  for (const [label, patch, message] of bad) {
    it(`createBridge: ${label} fails at construction, naming the option`, () => {
      assert.throws(() => createBridge({ ...base(), ...patch } as never), (error: unknown) => error instanceof ConfigError && message.test(error.message));
    });
  }

  it('createBridge: valid options construct and close', async () => {
    const bridge = createBridge({ ...base(), masterKey: randomBytes(32).toString('base64'), trustProxy: ['10.0.0.1'], magicLink: { locale: 'es-MX' } });
    await bridge.ready();
    await bridge.close();
  });

  it('close waits for a request still being handled, then closes the storage', async () => {
    const storage = memoryStorage();
    const adminToken = 'close-test-admin-token-7c2e';
    const bridge = createBridge({ ...base(), storage, adminToken });
    await bridge.ready();
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const createTenant = storage.createTenant.bind(storage);
    storage.createTenant = async (tenant) => {
      await held;
      return createTenant(tenant);
    };
    let storageClosed = false;
    const closeStorage = storage.close.bind(storage);
    storage.close = async () => {
      storageClosed = true;
      await closeStorage();
    };
    const answer = bridge.handle({
      method: 'POST', path: '/v1/admin/tenants', query: {}, ip: '127.0.0.1',
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ slug: 'late', name: 'Late' }),
    });
    let closeResolved = false;
    const closing = bridge.close().then(() => (closeResolved = true));
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(storageClosed, false, 'the storage closed under a request in flight');
    assert.equal(closeResolved, false);
    release();
    const response = await answer;
    assert.equal(response?.status, 201, String(response?.body));
    await closing;
    assert.equal(storageClosed, true);
  });
});

describe('origins', () => {
  it('allowlist entries: normalised, loopback-only http, no wildcard, path or userinfo', () => {
    assert.equal(normaliseAllowedOrigin('HTTPS://Shop.Example.COM:443/'), 'https://shop.example.com');
    assert.equal(normaliseAllowedOrigin('https://bücher.example'), 'https://xn--bcher-kva.example');
    assert.equal(normaliseAllowedOrigin('http://localhost:3000'), 'http://localhost:3000');
    assert.equal(normaliseAllowedOrigin('http://[::1]:8080'), 'http://[::1]:8080');
    for (const bad of ['http://example.com', 'https://*.example.com', 'https://a.com/x', 'https://u@a.com', 'https://a.com?x', 'ftp://a.com', '', 'https://']) {
      assert.equal(normaliseAllowedOrigin(bad), null, bad);
    }
  });

  it('request Origin: a serialised origin only; null, missing and malformed never parse', () => {
    assert.equal(parseRequestOrigin('https://shop.example.com'), 'https://shop.example.com');
    assert.equal(parseRequestOrigin('http://localhost:3000'), 'http://localhost:3000');
    assert.equal(parseRequestOrigin('http://[::1]:8080'), 'http://[::1]:8080');
    assert.equal(parseRequestOrigin('http://[::1]'), 'http://[::1]');
    for (const bad of [undefined, 'null', 'https://shop.example.com/', 'https://a%2eb.com', 'https://a.com#x', ' https://a.com', 'https://a.com\n',
      'https://shop.example.com:', 'https://shop.example.com:0443', 'http://localhost:03000', 'http://[::1]:', 'http://[::1]:08080']) {
      assert.equal(parseRequestOrigin(bad), null, String(bad));
    }
  });
});

describe('client IP', () => {
  it('clientIp: the socket address unless proxies are trusted', () => {
    assert.equal(clientIp('::ffff:127.0.0.1', '1.2.3.4', false), '127.0.0.1');
    assert.equal(clientIp('10.0.0.1', '1.2.3.4', 1), '1.2.3.4');
    assert.equal(clientIp('10.0.0.1', '9.9.9.9, 1.2.3.4', 1), '1.2.3.4');
    assert.equal(clientIp('10.0.0.1', '9.9.9.9, 1.2.3.4, 10.0.0.2', 2), '1.2.3.4');
    assert.equal(clientIp('10.0.0.1', '9.9.9.9, 1.2.3.4', ['10.0.0.1']), '1.2.3.4');
    assert.equal(clientIp('6.6.6.6', '1.2.3.4', ['10.0.0.1']), '6.6.6.6');
    assert.equal(clientIp('10.0.0.1', '1.2.3.4, 10.0.0.2', ['10.0.0.1', '10.0.0.2']), '1.2.3.4');
  });

  it('clientIp: every spelling of one IPv6 address is one client (case, zeros, brackets, IPv4-mapped hex)', () => {
    for (const spelling of ['2001:db8::1', '2001:DB8::1', '2001:db8:0:0:0:0:0:1', '[2001:db8::1]', ' 2001:0db8::0001 ']) {
      assert.equal(clientIp('10.0.0.1', spelling, 1), '2001:db8::1', spelling);
    }
    assert.equal(clientIp('10.0.0.1', '::FFFF:102:304', 1), '1.2.3.4');
    assert.equal(clientIp('10.0.0.1', '::ffff:1.2.3.4', 1), '1.2.3.4');
    assert.equal(clientIp('10.0.0.1', 'fe80::1%ETH0', 1), 'fe80::1%eth0');
    // Text that is no address stays as it is (it still keys its own bucket).
    assert.equal(clientIp('10.0.0.1', 'not:an:ip', 1), 'not:an:ip');
    // The trusted-proxy list is compared in the same form.
    assert.equal(clientIp('2001:DB8::a', '1.2.3.4', ['2001:db8:0::A']), '1.2.3.4');
  });
});

describe('secrets at rest', () => {
  it('sealer: AES-256-GCM with a master key, tamper-evident; plain marker without one', () => {
    const sealer = createSealer(randomBytes(32));
    const sealed = sealer.seal('s3cret');
    assert.match(sealed, /^enc:v1:/);
    assert.ok(!sealed.includes('s3cret'));
    assert.equal(sealer.open(sealed), 's3cret');
    assert.notEqual(sealer.seal('s3cret'), sealed);
    const tampered = sealed.slice(0, -3) + (sealed.endsWith('A') ? 'BBB' : 'AAA');
    assert.throws(() => sealer.open(tampered));
    assert.throws(() => createSealer(randomBytes(32)).open(sealed));
    assert.throws(() => createSealer(null).open(sealed), /no masterKey/);
    assert.equal(createSealer(null).open(createSealer(null).seal('x')), 'x');
  });

  it('with a master key, neither the HS256 secret nor the engine private key is stored in clear', async () => {
    const storage = memoryStorage();
    const bridge = createBridge({ ...base(), storage, masterKey: randomBytes(32).toString('base64') });
    await bridge.api.admin.createTenant({ slug: 'sealed', name: 'Sealed' });
    const minted = (await bridge.api.admin.createSigningKey('sealed', { alg: 'HS256' })) as { kid: string; secret: string };
    const stored = await storage.getSigningKey('sealed', minted.kid);
    assert.ok(stored?.sealedSecret?.startsWith('enc:v1:'));
    assert.ok(!JSON.stringify(stored).includes(minted.secret));
    const engineKey = await storage.getEngineKey();
    assert.match(engineKey?.sealedPrivateKey ?? '', /^enc:v1:/);
    assert.ok(!JSON.stringify(engineKey).includes('PRIVATE KEY'));
    await bridge.close();
  });
});
