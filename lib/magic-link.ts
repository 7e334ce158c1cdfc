import { randomBytes } from 'node:crypto';
import { maskEmail } from './audit.js';
import { randomId, sha256Hex } from './crypto.js';
import { limitByIp, resolveTenant, type EmbedCall, type TenantScope } from './embed-api.js';
import type { Engine } from './engine.js';
import { BridgeError } from './errors.js';
import type { MailQueue } from './mail-queue.js';
import { defaultMagicLinkTemplate } from './mail-template.js';
import { isLoopbackHost } from './origin.js';
import { createSession, type SessionAnswer } from './sessions.js';
import { isEmail } from './validate.js';

export const MAGIC_TOKEN_PARAM = 'aforo_magic_token';
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43,128}$/;

/** Runs work after the answer has gone; `settle` waits for it (tests, shutdown). */
export class Background {
  private readonly pending = new Set<Promise<void>>();
  constructor(private readonly onError: (error: unknown) => void) {}

  run(task: () => Promise<void>): void {
    const promise = new Promise<void>((resolve) => setImmediate(resolve))
      .then(task)
      .catch(this.onError)
      .finally(() => this.pending.delete(promise));
    this.pending.add(promise);
  }

  async settle(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }
}

function checkReturnUrl(scope: TenantScope, returnUrl: unknown): URL {
  let url: URL | null = null;
  if (typeof returnUrl === 'string' && returnUrl.length <= 2048) {
    try {
      url = new URL(returnUrl);
    } catch {
      url = null;
    }
  }
  if (!url) throw new BridgeError('invalid_request', 'returnUrl must be an absolute URL');
  const secure = url.protocol === 'https:' || (url.protocol === 'http:' && isLoopbackHost(url.hostname));
  if (!secure || url.username || url.password || !scope.key.allowedOrigins.includes(url.origin)) {
    throw new BridgeError('return_url_not_allowed', "returnUrl's origin is not on the embed key allowlist");
  }
  return url;
}

/** `returnUrl` with the token added to its query; the rest of the query and the fragment stay as they were. */
export function magicLinkUrl(returnUrl: URL, token: string): string {
  const url = new URL(returnUrl.href);
  const param = `${MAGIC_TOKEN_PARAM}=${token}`;
  url.search = url.search.length > 1 ? `${url.search}&${param}` : `?${param}`;
  return url.href;
}

function allowsSignup(engine: Engine, scope: TenantScope): boolean {
  return scope.tenant.magicLink.allowSignup ?? engine.config.magicLink.allowSignup;
}

/**
 * SPEC section 6: the answer is the same 202 whether the email is known, unknown or capped. Everything that
 * depends on who the email belongs to (lookup, token, mail) runs after the answer, off the request path.
 */
export async function requestMagicLink(
  engine: Engine,
  background: Background,
  mail: MailQueue,
  call: EmbedCall & { email: unknown; returnUrl: unknown },
): Promise<{ status: 'accepted' }> {
  const scope = await resolveTenant(engine, call);
  if (!isEmail(call.email)) throw new BridgeError('invalid_request', 'email must be an email address of at most 254 characters');
  const url = checkReturnUrl(scope, call.returnUrl);
  const email = call.email.toLowerCase();
  const now = engine.now();
  const settings = engine.config.magicLink;
  const tenant = scope.tenant.slug;
  // Both counters always move, so a capped request costs what an uncapped one does.
  const [byIp, byEmail] = await Promise.all([
    call.ip ? engine.storage.hitRateLimit(`ml-ip:${call.ip}`, 60_000, now) : Promise.resolve({ count: 0 }),
    engine.storage.hitRateLimit(`ml-email:${tenant}:${sha256Hex(email)}`, 3_600_000, now),
  ]);
  const capped = byIp.count > settings.perIpPerMinute || byEmail.count > settings.perEmailPerHour;
  const auditBase = { embedKey: scope.key.id, emailHash: engine.audit.emailHash(email), emailMasked: maskEmail(email) };

  background.run(async () => {
    if (capped) {
      await engine.audit.record('magic_link.requested', tenant, now, call, { ...auditBase, outcome: 'capped' });
      return;
    }
    const customer = await engine.storage.getCustomerByEmail(tenant, email);
    if (!customer && !allowsSignup(engine, scope)) {
      await engine.audit.record('magic_link.requested', tenant, now, call, { ...auditBase, outcome: 'unknown' });
      return;
    }
    const token = randomBytes(32).toString('base64url');
    await engine.storage.createMagicLink({
      tokenHash: sha256Hex(token),
      tenant,
      embedKeyId: scope.key.id,
      email,
      returnUrl: url.href,
      createdAt: now,
      expiresAt: new Date(now.getTime() + settings.ttl * 1000),
      usedAt: null,
    });
    const render = settings.template ?? defaultMagicLinkTemplate;
    const rendered = render({
      tenant: { name: scope.tenant.name, ...scope.tenant.branding },
      link: magicLinkUrl(url, token),
      expiresInMinutes: Math.round(settings.ttl / 60),
      email: customer?.email ?? email,
      locale: settings.locale,
    });
    mail.enqueue({ to: customer?.email ?? email, ...(scope.tenant.magicLink.from ? { from: scope.tenant.magicLink.from } : {}), ...rendered });
    await engine.audit.record('magic_link.requested', tenant, now, call, { ...auditBase, outcome: customer ? 'sent' : 'sent_signup' });
  });
  return { status: 'accepted' };
}

export async function exchangeMagicLink(engine: Engine, call: EmbedCall & { token: unknown }): Promise<SessionAnswer> {
  await limitByIp(engine, call.ip);
  const scope = await resolveTenant(engine, call);
  const now = engine.now();
  const tenant = scope.tenant.slug;
  const refuse = async (reason: string): Promise<never> => {
    await engine.audit.record('magic_link.refused', tenant, now, call, { embedKey: scope.key.id, reason });
    throw new BridgeError('magic_link_invalid', 'the sign-in link is invalid, used or expired');
  };
  if (typeof call.token !== 'string' || !TOKEN_SHAPE.test(call.token)) return refuse('malformed');
  // The storage's conditional write decides: of concurrent exchanges of one token exactly one gets it.
  const link = await engine.storage.consumeMagicLink({ tokenHash: sha256Hex(call.token), tenant, embedKeyId: scope.key.id, now });
  if (!link) return refuse('unknown_used_or_expired');
  let customer = await engine.storage.getCustomerByEmail(tenant, link.email);
  if (!customer) {
    if (!allowsSignup(engine, scope)) return refuse('no_customer');
    const created = await engine.storage.upsertCustomer(
      { tenant, externalId: link.email, newId: randomId('cus_'), email: link.email, now },
      'keep',
    );
    if (created === 'email_taken') return refuse('no_customer');
    customer = created.customer;
  }
  await engine.audit.record('magic_link.redeemed', tenant, now, call, {
    embedKey: scope.key.id, customerId: customer.id, emailHash: engine.audit.emailHash(link.email),
  });
  return createSession(engine, { tenant, embedKey: scope.key.id, customer, method: 'magic_link', signingKid: null }, call);
}
