import { parseArgs } from 'node:util';
import { memoryMailer } from '../adapters/mail.js';
import { createBridge } from '../lib/bridge.js';
import { memoryStorage } from '../storage/memory.js';

// `node --expose-gc --import tsx bench/memory-growth.ts --ips 1000000`: the resident memory a flood of magic-link
// requests from distinct client IPs adds to an engine on memory storage. Run by bench/run.ts in a process of its own,
// so nothing else on the heap counts. Prints one JSON line.

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with --expose-gc');

async function settledRss(): Promise<number> {
  for (let i = 0; i < 3; i += 1) {
    gc!();
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return process.memoryUsage().rss;
}

const ipOf = (i: number): string => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { ips: { type: 'string', default: '1000000' } } });
  const ips = Number(values.ips);
  if (!Number.isInteger(ips) || ips < 1 || ips > 16_000_000) throw new Error('--ips must be a whole number from 1 to 16,000,000');
  const bridge = createBridge({
    storage: memoryStorage(),
    mailer: memoryMailer(),
    issuer: 'https://bench.example.com/aforo',
    housekeeping: { intervalSeconds: 0 },
  });
  await bridge.ready();
  const admin = bridge.api.admin;
  await admin.createTenant({ slug: 'bench', name: 'Bench Co' });
  const { key } = await admin.createEmbedKey('bench', { allowedOrigins: ['https://bench.example.com'] });
  const call = (i: number) =>
    bridge.api.requestMagicLink({
      tenant: 'bench',
      embedKey: key,
      origin: 'https://bench.example.com',
      ip: ipOf(i),
      userAgent: 'bench',
      // A handful of unregistered addresses: every request takes the full path, then the per-email cap.
      email: `nobody-${i % 8}@bench.example.com`,
      returnUrl: 'https://bench.example.com/account',
    });
  // Warm up the code paths, so what is measured is data, not compiled code.
  for (let i = 0; i < 2000; i += 1) await call(16_000_000 + i);
  await bridge.drain();
  const before = await settledRss();
  const started = performance.now();
  const BATCH = 500;
  for (let i = 0; i < ips; i += BATCH) {
    await Promise.all(Array.from({ length: Math.min(BATCH, ips - i) }, (_, k) => call(i + k)));
    if (i % 50_000 === 0) await bridge.drain();
  }
  await bridge.drain();
  const seconds = (performance.now() - started) / 1000;
  const after = await settledRss();
  process.stdout.write(`${JSON.stringify({ ips, seconds, before, after, growth: after - before })}\n`);
  await bridge.close();
}

main().catch((error: unknown) => {
  console.error('memory-growth:', error);
  process.exit(1);
});
