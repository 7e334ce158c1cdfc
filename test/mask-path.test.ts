import assert from 'node:assert/strict';
import { randomInt } from 'node:crypto';
import { test } from 'node:test';
import { maskPath } from '../lib/edge.js';

// The masking as it was written before the fast path for paths with nothing to mask; the two must agree everywhere.
function reference(path: string): string {
  return path
    .slice(0, 200)
    .replace(/\/customers\/[^/]+/, '/customers/:externalId')
    .split('/')
    .map((segment) => (/@|%40/i.test(segment) ? '[email]' : /^eyJ/.test(segment) ? '[jwt]' : segment))
    .join('/');
}

test('maskPath masks customer ids, emails and JWTs in a path and bounds it to 200 characters', () => {
  assert.equal(maskPath('/v1/embed/auth/bridge'), '/v1/embed/auth/bridge');
  assert.equal(maskPath('/v1/admin/tenants/acme/customers/jane@example.com/invoices/inv_1'), '/v1/admin/tenants/acme/customers/:externalId/invoices/inv_1');
  assert.equal(maskPath('/v1/embed/x/jane%40example.com'), '/v1/embed/x/[email]');
  assert.equal(maskPath('/v1/embed/x/JANE%40EXAMPLE.COM'), '/v1/embed/x/[email]');
  assert.equal(maskPath('/v1/embed/eyJhbGciOiJIUzI1NiJ9.e30.sig/next'), '/v1/embed/[jwt]/next');
  assert.equal(maskPath(`/v1/${'a'.repeat(300)}`), `/v1/${'a'.repeat(196)}`);
  assert.equal(maskPath(`/v1/${'a'.repeat(195)}@example.com`), '/v1/[email]');
});

test('maskPath answers as the segment-by-segment masking does, on paths made of the parts that matter', () => {
  const parts = ['v1', 'admin', 'customers', 'CUSTOMERS', 'a@b', '%40', '%4', 'eyJ', 'EYJ', 'xeyJ', '', 'x'.repeat(60), 'é', '\u0000'];
  for (let i = 0; i < 5000; i += 1) {
    const path = `/${Array.from({ length: randomInt(1, 8) }, () => parts[randomInt(parts.length)]).join('/')}`;
    assert.equal(maskPath(path), reference(path), path);
  }
});
