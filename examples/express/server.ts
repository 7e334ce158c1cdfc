// An Express portal with aforo-bridge mounted at /aforo. Run from the repository root:
//   npx tsx examples/express/server.ts
// In your own project, import from 'aforo-bridge', 'aforo-bridge/express', 'aforo-bridge/mint', … instead.
import express from 'express';
import { expressBridge, requireSession } from '../../adapters/express.js';
import { consoleMailer } from '../../adapters/mail.js';
import { createBridge } from '../../lib/bridge.js';
import { mintBridgeToken } from '../../lib/mint.js';
import { memoryStorage } from '../../storage/memory.js';

const port = Number(process.env.PORT ?? 3002);
const origin = `http://localhost:${port}`;
const tenant = 'acme';
// The portal's signed-in user; a real portal takes it from its own login session.
const user = { id: 'user-42', email: 'ada@example.com', name: 'Ada Lovelace' };

const bridge = createBridge({ storage: memoryStorage(), mailer: consoleMailer(), issuer: `${origin}/aforo` });

// A real deployment does this once with the CLI or the admin API, and keeps the signing secret in its config.
await bridge.api.admin.createTenant({ slug: tenant, name: 'Acme Cloud', branding: { primaryColor: '#4f46e5' } });
const embedKey = (await bridge.api.admin.createEmbedKey(tenant, { allowedOrigins: [origin] })).key as string;
const signingKey = await bridge.api.admin.createSigningKey(tenant, { alg: 'HS256' });
const kid = signingKey.kid as string;
const secret = signingKey.secret as string;
await bridge.api.admin.promoteSigningKey(tenant, kid);
await bridge.api.admin.putOffering(tenant, 'pro', {
  name: 'Pro', description: 'For growing teams', status: 'PUBLISHED',
  ratePlans: [{ id: 'pro-monthly', name: 'Monthly', currency: 'eur', amountCents: 2900, interval: 'month', features: ['Unlimited projects'] }],
});
await bridge.api.admin.putInvoice(tenant, user.id, 'inv_1001', {
  number: 'ACME-1001', status: 'OPEN', amountDueCents: 2900, currency: 'eur', issuedAt: new Date().toISOString(),
});

const attr = (value: string) => value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');

function page(bridgeToken: string): string {
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Acme portal (Express)</title>
<script src="/aforo/v1/embed/loader.js" defer></script></head>
<body>
<h1>Your invoices, ${attr(user.name)}</h1>
<div data-aforo-widget="invoice-list" data-aforo-tenant-slug="${attr(tenant)}" data-aforo-embed-key="${attr(embedKey)}"
  data-aforo-bridge-token="${attr(bridgeToken)}"></div>
<p><button id="me">Call /api/me with the widget session</button> <code id="out"></code></p>
<script type="module">
document.getElementById('me').addEventListener('click', async () => {
  const jwt = await window.AforoSession.getSessionJwt();
  const res = await fetch('/api/me', { headers: { authorization: 'Bearer ' + jwt } });
  document.getElementById('out').textContent = res.status + ' ' + (await res.text());
});
</script>
</body>
</html>`;
}

const app = express();
app.use('/aforo', expressBridge(bridge));

app.get('/', async (_req, res, next) => {
  try {
    // A fresh, short-lived, one-time token per page view: the widget exchanges it for a session.
    const bridgeToken = await mintBridgeToken({ kid, alg: 'HS256', key: secret, externalCustomerId: user.id, email: user.email, name: user.name });
    res.set('cache-control', 'no-store').type('html').send(page(bridgeToken));
  } catch (error) {
    next(error);
  }
});

app.get('/api/me', requireSession(bridge, { tenant }), (req, res) => {
  const { customer, session } = req.aforo!;
  res.json({ customer: { id: customer.id, externalId: customer.externalId, email: customer.email, name: customer.name }, sid: session.sid });
});

const server = app.listen(port, '127.0.0.1', () => console.log(`Express portal with aforo-bridge: ${origin}/`));

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => server.close(() => void bridge.close().then(() => process.exit(0))));
}
