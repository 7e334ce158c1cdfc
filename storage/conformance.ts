import { after as nodeAfter, before as nodeBefore, describe as nodeDescribe, it as nodeIt } from 'node:test';
import type { Storage } from '../lib/storage.js';
import { customerCases } from './conformance/customers.js';
import { engineKeyAndAuditCases } from './conformance/engine-key-audit.js';
import type { Section } from './conformance/fixtures.js';
import { housekeepingCases } from './conformance/housekeeping.js';
import { offeringAndInvoiceCases } from './conformance/offerings-invoices.js';
import { magicLinkCases, oneTimeCases } from './conformance/one-time.js';
import { resumeCases } from './conformance/resume.js';
import { sessionCases } from './conformance/sessions.js';
import { signingKeyCases } from './conformance/signing-keys.js';
import { subscriptionCases } from './conformance/subscriptions.js';
import { embedKeyCases, tenantCases } from './conformance/tenants.js';

/** The test-framework functions the suite registers with; node:test's by default (mocha and vitest fit too). */
export interface StorageConformanceOptions {
  describe?: (name: string, fn: () => void) => unknown;
  it?: (name: string, fn: () => Promise<void>) => unknown;
  before?: (fn: () => Promise<void>) => unknown;
  after?: (fn: () => Promise<void>) => unknown;
}

const SECTIONS: [string, Section][] = [
  ['tenants', tenantCases],
  ['embed keys', embedKeyCases],
  ['signing keys', signingKeyCases],
  ['customers', customerCases],
  ['offerings and invoices', offeringAndInvoiceCases],
  ['subscriptions and usage', subscriptionCases],
  ['sessions', sessionCases],
  ['resume keys and nonces', resumeCases],
  ['bridge-token ids and rate limits', oneTimeCases],
  ['magic links', magicLinkCases],
  ['engine key and audit', engineKeyAndAuditCases],
  ['housekeeping, copies and dates', housekeepingCases],
];

/**
 * Registers the storage conformance suite: every method of `Storage` checked against its contract in
 * lib/storage.ts, concurrency cases included. One storage is made per run (`init()` before, `close()` after) and
 * every test works under its own random tenant, so the suite also runs against a database that holds other data.
 *
 * @example
 * import { storageConformance } from 'aforo-bridge/testing';
 * storageConformance('my-storage', async () => myStorage({ url: process.env.DB_URL }));
 */
export function storageConformance(
  name: string,
  makeStorage: () => Promise<Storage>,
  options: StorageConformanceOptions = {},
): void {
  const describe = options.describe ?? nodeDescribe;
  const it = options.it ?? nodeIt;
  const before = options.before ?? nodeBefore;
  const after = options.after ?? nodeAfter;

  describe(`storage conformance: ${name}`, () => {
    let storage: Storage | undefined;
    const s = (): Storage => {
      if (!storage) throw new Error('the storage was not created; see the failure of the before hook');
      return storage;
    };
    before(async () => {
      storage = await makeStorage();
      await storage.init();
    });
    after(async () => {
      await storage?.close();
    });

    for (const [section, register] of SECTIONS) describe(section, () => register(it, s));
  });
}
