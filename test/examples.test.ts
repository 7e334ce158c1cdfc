import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { decodeJwt, decodeProtectedHeader } from 'jose';

const EXAMPLES = ['koa', 'express', 'fastify'] as const;

async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

interface Running {
  child: ChildProcess;
  base: string;
  origin: string;
  output: () => string;
}

/** Starts `examples/<name>/server.ts` as its own process and resolves once it printed its URL. */
async function start(name: string): Promise<Running> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', `examples/${name}/server.ts`], {
    env: { ...process.env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const origin = `http://localhost:${port}`;
  await new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes(`${origin}/`)) resolve();
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => reject(new Error(`${name} example exited with ${code}:\n${output}`)));
  });
  return { child, base: `http://127.0.0.1:${port}`, origin, output: () => output };
}

function attribute(html: string, name: string): string {
  const match = new RegExp(`${name}="([^"]+)"`).exec(html);
  assert.ok(match, `the page carries ${name}`);
  return match[1];
}

for (const name of EXAMPLES) {
  describe(`examples/${name}/server.ts`, () => {
    let app: Running;
    before(async () => {
      app = await start(name);
    }, { timeout: 60_000 });
    after(async () => {
      if (app.child.exitCode !== null) return;
      const exited = once(app.child, 'exit');
      app.child.kill('SIGTERM');
      await exited;
    });

    it('serves a page with the widget snippet and a fresh bridge token per view, exchangeable for a session that /api/me accepts', async () => {
      const page = await fetch(`${app.base}/`);
      assert.equal(page.status, 200);
      assert.match(page.headers.get('content-type') ?? '', /^text\/html/);
      const html = await page.text();
      assert.ok(html.includes('<script src="/aforo/v1/embed/loader.js" defer></script>'));
      assert.ok(html.includes('data-aforo-widget="invoice-list"'));
      const tenant = attribute(html, 'data-aforo-tenant-slug');
      const embedKey = attribute(html, 'data-aforo-embed-key');
      const bridgeToken = attribute(html, 'data-aforo-bridge-token');
      assert.equal(decodeProtectedHeader(bridgeToken).alg, 'HS256');
      assert.equal(decodeJwt(bridgeToken).external_customer_id, 'user-42');
      const again = attribute(await (await fetch(`${app.base}/`)).text(), 'data-aforo-bridge-token');
      assert.notEqual(again, bridgeToken);

      const loader = await fetch(`${app.base}/aforo/v1/embed/loader.js`);
      assert.equal(loader.status, 200);
      assert.match(loader.headers.get('content-type') ?? '', /javascript/);

      const exchange = await fetch(`${app.base}/aforo/v1/embed/auth/bridge`, {
        method: 'POST',
        headers: { origin: app.origin, 'content-type': 'application/json', 'x-aforo-tenant': tenant, 'x-aforo-embed-key': embedKey },
        body: JSON.stringify({ bridgeToken }),
      });
      assert.equal(exchange.status, 200, app.output());
      assert.equal(exchange.headers.get('access-control-allow-origin'), app.origin);
      const session = await exchange.json();
      assert.equal(session.customer.externalId, 'user-42');

      const me = await fetch(`${app.base}/api/me`, { headers: { authorization: `Bearer ${session.sessionJwt}` } });
      assert.equal(me.status, 200);
      const body = await me.json();
      assert.equal(body.customer.id, session.customer.id);
      assert.equal(body.customer.email, 'ada@example.com');

      const anonymous = await fetch(`${app.base}/api/me`);
      assert.equal(anonymous.status, 401);
      assert.equal((await anonymous.json()).error.code, 'session_invalid');
    });
  });
}
