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
import type { Customer } from './types.js';
import { resumeKeyThumbprint } from './resume.js';
import { ResumeKey } from './schemas.js';
import { normaliseEmail, validate } from './validate.js';

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

/** A `returnUrl` a widget sent: absolute, https (http on loopback), no userinfo, its origin on the key's allowlist. */
export function checkReturnUrl(scope: Pick<TenantScope, 'key'>, returnUrl: unknown): URL {
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
  // One plain addr-spec, normalised: the caps count this form and the mail goes to it alone (SPEC section 6).
  const email = normaliseEmail(call.email);
  if (email === null) throw new BridgeError('invalid_request', 'email must be one plain email address (no name, list or comment)');
  const url = checkReturnUrl(scope, call.returnUrl);
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
      email,
      locale: settings.locale,
    });
    mail.enqueue({ to: email, ...(scope.tenant.magicLink.from ? { from: scope.tenant.magicLink.from } : {}), ...rendered });
    await engine.audit.record('magic_link.requested', tenant, now, call, { ...auditBase, outcome: customer ? 'sent' : 'sent_signup' });
  });
  return { status: 'accepted' };
}

/**
 * Creates the customer of a magic-link sign-up: the lower-cased email as externalId when no customer holds that
 * externalId, else a fresh `ml_…` id. A create never touches an existing row, so a customer whose externalId
 * happens to be this address (but whose email is another) stays as it is. A racing sign-up of the same email
 * that won the create is found by its email.
 */
async function signUp(engine: Engine, tenant: string, email: string, now: Date): Promise<Customer | null> {
  for (const externalId of [email, randomId('ml_')]) {
    const created = await engine.storage.createCustomer({ tenant, externalId, newId: randomId('cus_'), email, now });
    if (created === 'email_taken') return engine.storage.getCustomerByEmail(tenant, email);
    if (created !== 'external_id_taken') return created;
  }
  return null;
}

export async function exchangeMagicLink(engine: Engine, call: EmbedCall & { token: unknown; resumeKey?: unknown }): Promise<SessionAnswer> {
  await limitByIp(engine, call);
  const scope = await resolveTenant(engine, call);
  // Checked before the link is spent: a malformed key must not cost the customer their link.
  const resumeKey = await resumeKeyThumbprint(engine, call.resumeKey === undefined ? undefined : validate(ResumeKey, call.resumeKey, 'resumeKey'));
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
  // A magic link signs in only the customer whose current email is the link's address (SPEC section 2): never a
  // match by externalId, never a change to an existing customer's email.
  let customer = await engine.storage.getCustomerByEmail(tenant, link.email);
  if (!customer) {
    if (!allowsSignup(engine, scope)) return refuse('no_customer');
    customer = await signUp(engine, tenant, link.email, now);
    if (!customer) return refuse('no_customer');
  }
  await engine.audit.record('magic_link.redeemed', tenant, now, call, {
    embedKey: scope.key.id, customerId: customer.id, emailHash: engine.audit.emailHash(link.email),
  });
  return createSession(engine, { tenant, embedKey: scope.key.id, customer, method: 'magic_link', signingKid: null, resumeKey }, call);
}
