import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createMailQueue, defaultBackoffMs, type MailQueueLogger } from '../lib/mail-queue.js';
import type { MailMessage, Mailer } from '../lib/mailer.js';

const TOKEN = 'tok_9f8e7d6c5b4a39281706f5e4d3c2b1a0';
const LINK = `https://portal.acme.test/billing?aforo_magic_token=${TOKEN}`;

function message(to = 'ana.lopez@acme.test'): MailMessage {
  return { to, subject: 'Your sign-in link for Acme', text: `Sign in: ${LINK}`, html: `<a href="${LINK}">Sign in</a>` };
}

interface LogEntry {
  level: 'error' | 'warn';
  obj: object;
  msg?: string;
}

function recordingLogger(): MailQueueLogger & { entries: LogEntry[] } {
  const entries: LogEntry[] = [];
  return {
    entries,
    error: (obj, msg) => entries.push({ level: 'error', obj, msg }),
    warn: (obj, msg) => entries.push({ level: 'warn', obj, msg }),
  };
}

/** A mailer that fails its first `failures` sends with an SMTP-like error quoting the recipient and the link. */
function flakyMailer(failures: number): Mailer & { attempts: number; delivered: MailMessage[] } {
  const state = {
    attempts: 0,
    delivered: [] as MailMessage[],
    async send(m: MailMessage): Promise<void> {
      state.attempts++;
      if (state.attempts <= failures) {
        throw Object.assign(new Error(`550 5.1.1 <${m.to}>: mailbox unavailable (${LINK})`), { responseCode: 550, command: 'RCPT TO' });
      }
      state.delivered.push(m);
    },
  };
  return state;
}

describe('createMailQueue', () => {
  test('enqueue returns before delivery starts; drain waits for delivery', async () => {
    const mailer = flakyMailer(0);
    const queue = createMailQueue({ mailer });
    queue.enqueue(message());
    assert.equal(mailer.attempts, 0, 'nothing is sent on the caller\'s stack');
    assert.equal(queue.pending, 1);
    await queue.drain();
    assert.equal(queue.pending, 0);
    assert.deepEqual(mailer.delivered, [message()]);
  });

  test('retries after two failures, then delivers; each failure is logged with its cause', async () => {
    const mailer = flakyMailer(2);
    const logger = recordingLogger();
    const queue = createMailQueue({ mailer, logger, backoffMs: () => 1 });
    queue.enqueue(message());
    await queue.drain();
    assert.equal(mailer.attempts, 3);
    assert.equal(mailer.delivered.length, 1);
    assert.deepEqual(logger.entries.map((e) => [e.level, (e.obj as { attempt: number }).attempt]), [['warn', 1], ['warn', 2]]);
    const cause = (logger.entries[0].obj as { err: { responseCode: number; message: string } }).err;
    assert.equal(cause.responseCode, 550);
    assert.match(cause.message, /mailbox unavailable/);
  });

  test('gives up after maxAttempts and logs the domain and attempt count, never the link, token or address', async () => {
    const mailer = flakyMailer(Infinity);
    const logger = recordingLogger();
    const queue = createMailQueue({ mailer, logger, maxAttempts: 3, backoffMs: () => 1 });
    queue.enqueue(message());
    await queue.drain();
    assert.equal(mailer.attempts, 3);
    assert.equal(queue.pending, 0);
    const last = logger.entries.at(-1) as LogEntry;
    assert.equal(last.level, 'error');
    assert.match(last.msg ?? '', /giving up/);
    assert.deepEqual({ ...last.obj, err: undefined }, { recipientDomain: 'acme.test', attempt: 3, maxAttempts: 3, err: undefined });
    const logged = JSON.stringify(logger.entries);
    for (const secret of [TOKEN, LINK, 'ana.lopez@acme.test', 'ana.lopez', 'Sign in']) {
      assert.ok(!logged.includes(secret), `logs must not contain ${secret}`);
    }
  });

  test('enqueue never throws, even when the mailer throws synchronously or the logger throws', async () => {
    let attempts = 0;
    const mailer: Mailer = {
      send(): Promise<void> {
        attempts++;
        throw new Error('boom');
      },
    };
    const logger: MailQueueLogger = {
      error() {
        throw new Error('logger down');
      },
    };
    const queue = createMailQueue({ mailer, logger, maxAttempts: 2, backoffMs: () => 1 });
    assert.doesNotThrow(() => queue.enqueue(message()));
    assert.doesNotThrow(() => queue.enqueue(null as unknown as MailMessage));
    await queue.drain();
    assert.equal(attempts, 2, 'the message is tried maxAttempts times; the non-message is dropped');
    assert.equal(queue.pending, 0);
  });

  test('past maxQueued, new mail is dropped and logged', async () => {
    const releases: Array<() => void> = [];
    const sent: string[] = [];
    const mailer: Mailer = {
      send: (m) =>
        new Promise<void>((resolve) => {
          releases.push(() => {
            sent.push(m.to);
            resolve();
          });
        }),
    };
    const logger = recordingLogger();
    const queue = createMailQueue({ mailer, logger, maxQueued: 3, concurrency: 1 });
    for (let i = 0; i < 5; i++) queue.enqueue(message(`user${i}@acme.test`));
    assert.equal(queue.pending, 3);
    const drops = logger.entries.filter((e) => /full/.test(e.msg ?? ''));
    assert.equal(drops.length, 2);
    assert.ok(!JSON.stringify(drops).includes('user3@'), 'the drop log names the domain only');
    while (sent.length < 3) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      releases.shift()?.();
    }
    await queue.drain();
    assert.deepEqual(sent, ['user0@acme.test', 'user1@acme.test', 'user2@acme.test']);
  });

  test('drain is bounded by its timeout when a send never settles', async () => {
    const queue = createMailQueue({ mailer: { send: () => new Promise<void>(() => {}) } });
    queue.enqueue(message());
    await queue.drain(5);
    assert.equal(queue.pending, 1);
  });

  test('close drains, cancels pending retries and refuses later mail', async () => {
    const mailer = flakyMailer(Infinity);
    const logger = recordingLogger();
    const queue = createMailQueue({ mailer, logger, backoffMs: () => 3_600_000 });
    queue.enqueue(message());
    await queue.close(5);
    assert.equal(queue.pending, 0);
    queue.enqueue(message());
    assert.equal(queue.pending, 0);
    assert.equal(mailer.attempts, 1);
    assert.ok(logger.entries.some((e) => /closed/.test(e.msg ?? '')));
  });

  test('invalid options fail at construction naming the option', () => {
    const mailer = flakyMailer(0);
    assert.throws(() => createMailQueue({ mailer, maxAttempts: 0 }), /maxAttempts/);
    assert.throws(() => createMailQueue({ mailer, maxQueued: 1.5 }), /maxQueued/);
    assert.throws(() => createMailQueue({ mailer: {} as Mailer }), /mailer/);
  });
});

describe('defaultBackoffMs', () => {
  test('grows exponentially from 200 ms with jitter and is capped at 30 s', () => {
    for (let i = 0; i < 50; i++) {
      const first = defaultBackoffMs(1);
      assert.ok(first >= 100 && first <= 200, `attempt 1: ${first}`);
      const third = defaultBackoffMs(3);
      assert.ok(third >= 400 && third <= 800, `attempt 3: ${third}`);
      const late = defaultBackoffMs(30);
      assert.ok(late >= 15_000 && late <= 30_000, `attempt 30: ${late}`);
    }
  });
});

describe('createMailQueue process lifetime', () => {
  test('a pending retry never keeps the process alive', async () => {
    const { spawn } = await import('node:child_process');
    const script = `
      import { createMailQueue } from './lib/mail-queue.ts';
      const queue = createMailQueue({
        mailer: { send: async () => { throw new Error('down'); } },
        logger: { error: () => {}, warn: (_o, msg) => console.log(msg) },
        backoffMs: () => 3_600_000,
      });
      queue.enqueue({ to: 'a@acme.test', subject: 's', text: 't', html: 'h' });
    `;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: new URL('..', import.meta.url), stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    // A guard, not a timing assertion: a queue that held the process open would otherwise hang the suite.
    const guard = setTimeout(() => child.kill('SIGKILL'), 20_000);
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    clearTimeout(guard);
    assert.equal(code, 0, out);
    assert.match(out, /will retry/);
  });
});
