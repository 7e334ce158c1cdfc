import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { memoryMailer } from '../adapters/mail.js';
import { ADMIN_ROUTES } from '../lib/admin-routes.js';
import { createBridge } from '../lib/bridge.js';
import { PUBLIC_ROUTES } from '../lib/handler.js';
import { openApiDocument } from '../lib/openapi.js';
import { memoryStorage } from '../storage/memory.js';

const METHODS = ['get', 'post', 'put', 'patch', 'delete'];

function described(): string[] {
  const doc = openApiDocument() as { paths: Record<string, Record<string, unknown>> };
  return Object.entries(doc.paths).flatMap(([path, ops]) =>
    Object.keys(ops).filter((m) => METHODS.includes(m)).map((m) => `${m.toUpperCase()} ${path.replace(/\{([a-zA-Z]+)\}/g, ':$1')}`));
}

describe('OpenAPI document', () => {
  it('openapi: every served route is described and every described route is served', () => {
    const served = [...PUBLIC_ROUTES, ...ADMIN_ROUTES].map((r) => r.replace(/:[a-zA-Z]+/g, ':p')).sort();
    const doc = described().map((r) => r.replace(/:[a-zA-Z]+/g, ':p')).sort();
    assert.deepEqual(doc, served);
  });

  it('openapi: each described route reaches the engine (handle answers, never null) and the document is served', async () => {
    const bridge = createBridge({ storage: memoryStorage(), mailer: memoryMailer(), issuer: 'https://p.example.com/aforo' });
    for (const route of described()) {
      const [method, template] = route.split(' ');
      const path = template.replace(/:[a-zA-Z]+/g, 'x1');
      const answer = await bridge.handle({ method, path, query: {}, headers: {}, ip: '127.0.0.1' });
      assert.notEqual(answer, null, route);
      assert.ok(answer && answer.status < 500, `${route} ${answer?.status}`);
    }
    const served = await bridge.handle({ method: 'GET', path: '/v1/openapi.json', query: {}, headers: {}, ip: '127.0.0.1' });
    assert.equal(JSON.parse(String(served?.body)).openapi, '3.1.0');
    await bridge.close();
  });
});
