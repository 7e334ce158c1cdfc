/**
 * The magic-link mail (SPEC section 6.4): a plain function from context to subject, text and HTML, so a
 * tenant can replace it through `createBridge({ magicLink: { template } })` without a template engine.
 */

/** Everything a magic-link template may put in the mail. */
export interface MagicLinkMailContext {
  tenant: { name: string; logoUrl?: string; primaryColor?: string };
  /** The tenant's `returnUrl` with `aforo_magic_token=<token>` added. */
  link: string;
  expiresInMinutes: number;
  /** The address the link was requested for (the recipient). */
  email: string;
  /** BCP 47 tag (`en`, `es-MX`, …); unsupported ones fall back to English. */
  locale: string;
}

/** A rendered mail, both parts. */
export interface RenderedMail {
  subject: string;
  text: string;
  html: string;
}

/** Renders the magic-link mail; replace it to change wording or layout. */
export type MagicLinkTemplate = (ctx: MagicLinkMailContext) => RenderedMail;

/** Locales the default template speaks; the first is the fallback. */
export const SUPPORTED_LOCALES = ['en', 'es', 'fr', 'de'] as const;
export type SupportedLocale = (typeof SUPPORTED_LOCALES)[number];

interface Strings {
  subject: (tenant: string) => string;
  heading: (tenant: string) => string;
  intro: (tenant: string) => string;
  button: string;
  expiry: (minutes: number) => string;
  fallback: string;
  ignore: string;
}

const STRINGS: Record<SupportedLocale, Strings> = {
  en: {
    subject: (t) => `Your sign-in link for ${t}`,
    heading: (t) => `Sign in to ${t}`,
    intro: (t) => `Use the link below to sign in to ${t}.`,
    button: 'Sign in',
    expiry: (m) => `This link expires in ${m} minutes and can be used only once.`,
    fallback: 'If the button does not work, copy this address into your browser:',
    ignore: 'If you did not ask for this link, you can safely ignore this email.',
  },
  es: {
    subject: (t) => `Tu enlace de acceso a ${t}`,
    heading: (t) => `Accede a ${t}`,
    intro: (t) => `Usa el enlace de abajo para acceder a ${t}.`,
    button: 'Acceder',
    expiry: (m) => `Este enlace caduca en ${m} minutos y solo se puede usar una vez.`,
    fallback: 'Si el botón no funciona, copia esta dirección en tu navegador:',
    ignore: 'Si no has pedido este enlace, puedes ignorar este correo sin problema.',
  },
  fr: {
    subject: (t) => `Votre lien de connexion à ${t}`,
    heading: (t) => `Connexion à ${t}`,
    intro: (t) => `Utilisez le lien ci-dessous pour vous connecter à ${t}.`,
    button: 'Se connecter',
    expiry: (m) => `Ce lien expire dans ${m} minutes et ne peut être utilisé qu’une seule fois.`,
    fallback: 'Si le bouton ne fonctionne pas, copiez cette adresse dans votre navigateur :',
    ignore: 'Si vous n’avez pas demandé ce lien, vous pouvez ignorer cet e-mail.',
  },
  de: {
    subject: (t) => `Ihr Anmeldelink für ${t}`,
    heading: (t) => `Bei ${t} anmelden`,
    intro: (t) => `Mit dem folgenden Link melden Sie sich bei ${t} an.`,
    button: 'Anmelden',
    expiry: (m) => `Dieser Link läuft in ${m} Minuten ab und kann nur einmal verwendet werden.`,
    fallback: 'Falls die Schaltfläche nicht funktioniert, kopieren Sie diese Adresse in Ihren Browser:',
    ignore: 'Wenn Sie diesen Link nicht angefordert haben, können Sie diese E-Mail ignorieren.',
  },
};

const DEFAULT_COLOR = '#2563eb';
const COLOR_PATTERN = /^#[0-9a-fA-F]{3,8}$/;

/** Maps a BCP 47 tag to a supported locale by its primary subtag (`es-MX` → `es`); anything else → `en`. */
export function resolveLocale(locale: string | undefined): SupportedLocale {
  const primary = (locale ?? '').trim().toLowerCase().split(/[-_]/)[0];
  return (SUPPORTED_LOCALES as readonly string[]).includes(primary) ? (primary as SupportedLocale) : 'en';
}

/** Escapes text for HTML element content and double- or single-quoted attributes. */
export function escapeHtml(value: string): string {
  return value
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

// A tenant name is free text; a line break in it would otherwise reach the Subject header.
function singleLine(value: string): string {
  return value.replace(/[\u0000-\u001f\u007f\u2028\u2029]+/g, ' ').trim();
}

function httpsUrlOrNull(value: string | undefined): string | null {
  if (!value) return null;
  try {
    return new URL(value).protocol === 'https:' ? value : null;
  } catch {
    return null;
  }
}

/**
 * The built-in magic-link mail in English, Spanish, French and German.
 *
 * @example
 * const mail = defaultMagicLinkTemplate({
 *   tenant: { name: 'Acme', primaryColor: '#0f766e' },
 *   link: 'https://portal.acme.test/billing?aforo_magic_token=…',
 *   expiresInMinutes: 15, email: 'ana@acme.test', locale: 'es-MX',
 * });
 */
export const defaultMagicLinkTemplate: MagicLinkTemplate = (ctx) => {
  // The link lands in an href: only http(s) may, so a bad caller can never produce a javascript: button.
  const protocol = URL.canParse(ctx.link) ? new URL(ctx.link).protocol : '';
  if (protocol !== 'https:' && protocol !== 'http:') throw new Error('magic-link template: link must be an http(s) URL');

  const locale = resolveLocale(ctx.locale);
  const s = STRINGS[locale];
  const tenant = singleLine(ctx.tenant.name);
  const color = ctx.tenant.primaryColor && COLOR_PATTERN.test(ctx.tenant.primaryColor) ? ctx.tenant.primaryColor : DEFAULT_COLOR;
  const logo = httpsUrlOrNull(ctx.tenant.logoUrl);
  const minutes = Math.max(1, Math.round(ctx.expiresInMinutes));

  const text = [s.heading(tenant), '', s.intro(tenant), '', ctx.link, '', s.expiry(minutes), '', s.ignore, ''].join('\n');

  const e = escapeHtml;
  const html = `<!doctype html>
<html lang="${e(locale)}">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${e(s.subject(tenant))}</title></head>
<body style="margin:0;padding:24px;background:#f4f4f5;font-family:-apple-system,Segoe UI,Roboto,Helvetica,Arial,sans-serif;color:#18181b">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0"><tr><td align="center">
<table role="presentation" width="480" cellpadding="0" cellspacing="0" style="max-width:480px;background:#ffffff;border-radius:8px;padding:32px">
${logo ? `<tr><td style="padding-bottom:24px"><img src="${e(logo)}" alt="${e(tenant)}" height="40" style="height:40px;border:0"></td></tr>\n` : ''}<tr><td><h1 style="margin:0 0 16px;font-size:20px">${e(s.heading(tenant))}</h1>
<p style="margin:0 0 24px;font-size:15px;line-height:1.5">${e(s.intro(tenant))}</p>
<p style="margin:0 0 24px"><a href="${e(ctx.link)}" style="display:inline-block;padding:12px 24px;background:${e(color)};color:#ffffff;text-decoration:none;border-radius:6px;font-weight:600">${e(s.button)}</a></p>
<p style="margin:0 0 8px;font-size:13px;color:#52525b">${e(s.expiry(minutes))}</p>
<p style="margin:0 0 8px;font-size:13px;color:#52525b">${e(s.fallback)}</p>
<p style="margin:0 0 24px;font-size:13px;word-break:break-all"><a href="${e(ctx.link)}" style="color:#52525b">${e(ctx.link)}</a></p>
<p style="margin:0;font-size:13px;color:#71717a">${e(s.ignore)}</p>
</td></tr></table>
</td></tr></table>
</body>
</html>
`;
  return { subject: s.subject(tenant), text, html };
};
