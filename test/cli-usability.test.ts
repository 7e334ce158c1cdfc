import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { spawnCaptured } from './helpers/child.js';

// The CLI as a newcomer meets it: each fix of the usability pass, end to end through bin/, on a temp SQLite file,
// in human output and with --json.

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const BIN = join(ROOT, 'bin', 'aforo-bridge.mjs');
const DIR = mkdtempSync(join(tmpdir(), 'aforo-cli-usability-'));
const DB = join(DIR, 'usability.db');
const ENV = { AFORO_STORAGE: `sqlite:${DB}` };
const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

after(() => rmSync(DIR, { recursive: true, force: true }));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

async function cli(args: string[], env: Record<string, string> = ENV): Promise<Run> {
  const child = spawnCaptured([BIN, ...args], DIR, env);
  const code = await child.exited;
  return { code, stdout: child.stdout(), stderr: child.stderr() };
}

/** A failure with --json: the envelope on stdout, the given exit status, nothing but notes on stderr. */
async function jsonError(args: string[], exit: number, code: string): Promise<string> {
  const run = await cli([...args, '--json']);
  assert.equal(run.code, exit, `${args.join(' ')}: ${run.stdout}${run.stderr}`);
  const parsed = JSON.parse(run.stdout) as { error: { code: string; message: string } };
  assert.deepEqual(Object.keys(parsed), ['error']);
  assert.equal(parsed.error.code, code);
  assert.doesNotMatch(run.stderr, /^error:/m);
  return parsed.error.message;
}

before(async () => {
  const run = await cli(['tenants', 'create', 'acme', '--name', 'Acme Cloud', '--primary-color', '#0a7f5a', '--logo-url', 'https://portal.example.com/logo.png']);
  assert.equal(run.code, 0, run.stderr);
});

describe('cli usability', () => {
  test('--version prints the package version; -V too', async () => {
    for (const flag of ['--version', '-V']) {
      const run = await cli([flag]);
      assert.equal(run.code, 0);
      assert.equal(run.stdout.trim(), `aforo-bridge ${VERSION}`);
    }
  });

  test('help: required options are marked, no option ends in an empty (), the default storage is named', async () => {
    const commands = [
      ['tenants', 'create'], ['tenants', 'list'], ['tenants', 'show'], ['embed-keys', 'create'], ['signing-keys', 'mint'],
      ['signing-keys', 'promote'], ['offerings', 'put'], ['invoices', 'put'], ['customers', 'put'], ['mint-token'], ['serve'], ['prune'],
    ];
    for (const command of commands) {
      const run = await cli([...command, '--help']);
      assert.equal(run.code, 0, command.join(' '));
      assert.doesNotMatch(run.stdout, /\(\s*\)/, command.join(' '));
      if (command[0] !== 'mint-token') assert.match(run.stdout, /--storage .*default sqlite:\.\/aforo\.db/, command.join(' '));
    }
    const embed = await cli(['embed-keys', 'create', '--help']);
    assert.match(embed.stdout, /--tenant <slug>\s+The tenant slug \(required\)/);
    assert.match(embed.stdout, /--origin <origin> …\s+.*\(required\)/);
    const invoice = await cli(['invoices', 'put', '--help']);
    assert.match(invoice.stdout, /--number <number>\s+.*\(required unless --file has it\)/);
  });

  test('a missing required flag is named, in text and in --json (exit 2)', async () => {
    const run = await cli(['invoices', 'put', 'in_1', '--tenant', 'acme', '--customer', 'c1', '--status', 'open', '--amount-due', '100', '--currency', 'USD']);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /^error: --number is required/m);
    assert.match(run.stderr, /aforo-bridge invoices put --help/);
    const message = await jsonError(['invoices', 'put', 'in_1', '--tenant', 'acme', '--customer', 'c1'], 2, 'usage_error');
    assert.match(message, /^--number is required/);
    assert.match(await jsonError(['embed-keys', 'create', '--origin', 'https://portal.example.com'], 2, 'usage_error'), /--tenant is required/);
  });

  test('negative numbers and --flag=value parse; a negative amount is refused by its own rule', async () => {
    for (const args of [['--amount-due', '-5'], ['--amount-due=-5']]) {
      const run = await cli(['invoices', 'put', 'in_1', '--tenant', 'acme', '--customer', 'c1', '--number', 'A-1', '--status', 'open', '--currency', 'USD', ...args]);
      assert.equal(run.code, 2, run.stderr);
      assert.match(run.stderr, /--amount-due must be a whole number of cents/);
      assert.doesNotMatch(run.stderr, /ambiguous/);
    }
    const ok = await cli(['invoices', 'put', 'in_1', '--tenant=acme', '--customer=c1', '--number=A-1', '--status=open', '--amount-due=1500', '--currency=usd', '--json']);
    assert.equal(ok.code, 0, ok.stderr);
    const invoice = JSON.parse(ok.stdout) as { amountDueCents: number; currency: string };
    assert.equal(invoice.amountDueCents, 1500);
    assert.equal(invoice.currency, 'USD');
  });

  test('currencies are ISO 4217: XYZ is refused for an invoice and a rate plan, in text and in --json (exit 1)', async () => {
    const invoice = ['invoices', 'put', 'in_2', '--tenant', 'acme', '--customer', 'c1', '--number', 'A-2', '--status', 'open', '--amount-due', '100', '--currency', 'XYZ'];
    const run = await cli(invoice);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /^error: invalid_request: currency: "XYZ" is not an ISO 4217 currency code/m);
    assert.match(await jsonError(invoice, 1, 'invalid_request'), /ISO 4217/);
    assert.match(await jsonError(['offerings', 'put', 'pro', '--tenant', 'acme', '--name', 'Pro', '--plan', 'm:Monthly:1900:XYZ:month'], 1, 'invalid_request'),
      /ratePlans\[0\]\.currency/);
  });

  test('an embed key needs at least one --origin', async () => {
    const run = await cli(['embed-keys', 'create', '--tenant', 'acme']);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /^error: --origin is required/m);
    await jsonError(['embed-keys', 'create', '--tenant', 'acme'], 2, 'usage_error');
    const list = await cli(['embed-keys', 'list', '--tenant', 'acme', '--json']);
    assert.deepEqual((JSON.parse(list.stdout) as { embedKeys: unknown[] }).embedKeys, []);
  });

  test('--json applies to every error: an unknown option, an unknown tenant, a bad storage', async () => {
    assert.match(await jsonError(['tenants', 'show', 'acme', '--slug', 'acme'], 2, 'usage_error'), /Unknown option '--slug'/);
    assert.match(await jsonError(['tenants', 'show', 'nobody'], 1, 'not_found'), /tenant/);
    const bad = await cli(['tenants', 'list', '--storage', 'mysql://x', '--json']);
    assert.equal(bad.code, 2);
    assert.equal((JSON.parse(bad.stdout) as { error: { code: string } }).error.code, 'usage_error');
    // Neither would be the file the user meant: each connection would get its own empty database, or a folder
    // named `file:` would appear in the working directory.
    for (const [storage, message] of [['sqlite::memory:', /--storage memory/], ['sqlite:file:/tmp/aforo.db', /not a file: URI/]] as const) {
      const refused = await cli(['tenants', 'list', '--storage', storage]);
      assert.equal(refused.code, 2, storage);
      assert.match(refused.stderr, message, storage);
    }
    const text = await cli(['tenants', 'show', 'nobody']);
    assert.equal(text.code, 1);
    assert.equal(text.stdout, '');
    assert.match(text.stderr, /^error: not_found: /m);
  });

  test('tenants list: every tenant, as a table and as JSON', async () => {
    const second = await cli(['tenants', 'create', 'beta-shop', '--name', 'Beta Shop']);
    assert.equal(second.code, 0, second.stderr);
    const table = await cli(['tenants', 'list']);
    assert.equal(table.code, 0, table.stderr);
    const lines = table.stdout.trim().split('\n');
    assert.match(lines[0], /^slug\s+name\s+branding\s+createdAt$/);
    assert.match(lines[1], /^acme\s+Acme Cloud\s+logoUrl=https:\/\/portal\.example\.com\/logo\.png, primaryColor=#0a7f5a\s/);
    assert.match(lines[2], /^beta-shop\s+Beta Shop\s+-\s/);
    const json = JSON.parse((await cli(['tenants', 'list', '--json'])).stdout) as { tenants: Array<{ slug: string }> };
    assert.deepEqual(json.tenants.map((t) => t.slug), ['acme', 'beta-shop']);
  });

  test('human output formats nested fields: no raw JSON for branding, magicLink or rate plans', async () => {
    const show = await cli(['tenants', 'show', 'beta-shop']);
    assert.match(show.stdout, /^branding:\s+-$/m);
    assert.match(show.stdout, /^magicLink:\s+-$/m);
    assert.doesNotMatch(show.stdout, /[{}]/);
    const put = await cli(['offerings', 'put', 'pro', '--tenant', 'acme', '--name', 'Pro', '--status', 'published',
      '--plan', 'pro-month:Monthly:1900:USD:month:5 seats|Email support', '--plan', 'pro-year:Yearly:19000:USD:year']);
    assert.equal(put.code, 0, put.stderr);
    assert.doesNotMatch(put.stdout, /[{}"]/);
    assert.match(put.stdout, /^ratePlans:$/m);
    assert.match(put.stdout, /^ {2}- id=pro-month, name=Monthly, amountCents=1900, currency=USD, interval=month, features=\[5 seats, Email support\]$/m);
    assert.match(put.stdout, /^ {2}- id=pro-year, .*features=\[-\]$/m);
  });

  test('a command that would create a new database file says so on stderr; an existing file says nothing', async () => {
    const fresh = join(DIR, 'fresh.db');
    const run = await cli(['tenants', 'list'], { AFORO_STORAGE: `sqlite:${fresh}` });
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, new RegExp(`note: creating a new SQLite database ${fresh.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    assert.ok(existsSync(fresh));
    const again = await cli(['tenants', 'list', '--json'], { AFORO_STORAGE: `sqlite:${fresh}` });
    assert.equal(again.stderr, '');
    assert.deepEqual(JSON.parse(again.stdout), { tenants: [] });
    // Without --storage the default file in the working directory is the one created, and named.
    const defaulted = await cli(['tenants', 'list'], {});
    assert.match(defaulted.stderr, /note: creating a new SQLite database \.\/aforo\.db/);
  });
  test('output into a pipe its reader closed early is dropped quietly, not an EPIPE stack (`| head -1`)', async () => {
    for (const args of [['tenants', 'list'], ['--help']]) {
      const run = spawnCaptured([BIN, ...args], DIR, ENV);
      // The reading end is gone before the command writes its first line.
      run.child.stdout!.destroy();
      assert.equal(await run.exited, 0, `${args.join(' ')}: ${run.stderr()}`);
      assert.doesNotMatch(run.stderr(), /EPIPE|at \S+ \(/, args.join(' '));
    }
  });

  test('mint-token: a PEM pasted where the key file path goes is refused without being echoed', async () => {
    const pem = '-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIHc0bWFkZXVwLWtleS1tYXRlcmlhbC1ub3QtcmVhbA==\n-----END PRIVATE KEY-----\n';
    const pasted = await cli(['mint-token', '--kid', 'sk_x', '--customer', 'c1'], { ...ENV, AFORO_PRIVATE_KEY: pem });
    assert.equal(pasted.code, 2);
    assert.match(pasted.stderr, /^error: --private-key \(AFORO_PRIVATE_KEY\) takes the path of a PEM file, not the key itself/m);
    assert.doesNotMatch(pasted.stderr + pasted.stdout, /MC4CAQAw|BEGIN PRIVATE KEY/);
    const missing = await cli(['mint-token', '--kid', 'sk_x', '--customer', 'c1', '--private-key', join(DIR, 'nowhere.pem')]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /^error: cannot read the --private-key file \(ENOENT\)/m);
  });
});
