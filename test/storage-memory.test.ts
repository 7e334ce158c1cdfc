import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { storageConformance } from '../storage/conformance.js';
import { memoryStorage } from '../storage/memory.js';

storageConformance('memory', async () => memoryStorage());

describe('memoryStorage', () => {
  const now = new Date('2026-01-01T00:00:30Z');

  it('hitRateLimit: a flood of distinct keys keeps at most rateLimitMaxKeys counters', async () => {
    const storage = memoryStorage({ rateLimitMaxKeys: 100 });
    for (let i = 0; i < 1000; i += 1) await storage.hitRateLimit(`flood:${i}`, 60_000, now);
    assert.equal(storage.rateLimitKeyCount(), 100);
    assert.equal((await storage.hitRateLimit('flood:999', 60_000, now)).count, 2);
    assert.equal((await storage.hitRateLimit('flood:0', 60_000, now)).count, 1);
  });

  it('appendAudit: past auditMaxEvents the oldest events go first', async () => {
    const storage = memoryStorage({ auditMaxEvents: 3 });
    for (let i = 0; i < 5; i += 1) {
      await storage.appendAudit({ id: `evt_${i}`, tenant: 'acme', type: 't', at: new Date(now.getTime() + i), ip: null, userAgent: null, data: {} });
    }
    assert.deepEqual((await storage.listAudit({ tenant: 'acme', limit: 10 })).map((e) => e.id), ['evt_4', 'evt_3', 'evt_2']);
    assert.throws(() => memoryStorage({ auditMaxEvents: 0 }), /auditMaxEvents/);
  });

  it('rejects a rateLimitMaxKeys that is not a positive integer', () => {
    assert.throws(() => memoryStorage({ rateLimitMaxKeys: 0 }), /rateLimitMaxKeys/);
    assert.throws(() => memoryStorage({ rateLimitMaxKeys: 1.5 }), /rateLimitMaxKeys/);
  });
});
