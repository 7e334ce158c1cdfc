import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  SUPPORTED_LOCALES,
  defaultMagicLinkTemplate,
  escapeHtml,
  resolveLocale,
  type MagicLinkMailContext,
} from '../lib/mail-template.js';

const LINK = 'https://portal.acme.test/billing?plan=pro&aforo_magic_token=tok_abc123';

function context(overrides: Partial<MagicLinkMailContext> = {}): MagicLinkMailContext {
  return {
    tenant: { name: 'Acme Billing', logoUrl: 'https://cdn.acme.test/logo.png', primaryColor: '#0f766e' },
    link: LINK,
    expiresInMinutes: 15,
    email: 'ana@acme.test',
    locale: 'en',
    ...overrides,
  };
}

describe('defaultMagicLinkTemplate', () => {
  test('both parts carry the tenant name, the link, the lifetime and the ignore line', () => {
    const mail = defaultMagicLinkTemplate(context());
    assert.match(mail.subject, /Acme Billing/);
    for (const part of [mail.text, mail.html]) {
      assert.ok(part.includes('Acme Billing'));
      assert.ok(part.includes('15 minutes'));
      assert.ok(part.includes('If you did not ask for this link'));
    }
    assert.ok(mail.text.includes(LINK), 'text carries the exact link');
    assert.ok(mail.html.includes(`href="${escapeHtml(LINK)}"`), 'html carries the link, attribute-escaped');
  });

  test('html uses an https logo and a valid primary colour for the button', () => {
    const mail = defaultMagicLinkTemplate(context());
    assert.ok(mail.html.includes('<img src="https://cdn.acme.test/logo.png"'));
    assert.ok(mail.html.includes('background:#0f766e'));
  });

  test('a non-https logo is left out and an invalid colour falls back to the default', () => {
    for (const logoUrl of ['http://cdn.acme.test/logo.png', 'javascript:alert(1)', 'data:image/png;base64,AAAA', 'not a url']) {
      const mail = defaultMagicLinkTemplate(context({ tenant: { name: 'Acme', logoUrl, primaryColor: 'red;background:url(x)' } }));
      assert.ok(!mail.html.includes('<img'), `logo ${logoUrl} is omitted`);
      assert.ok(!mail.html.includes('red;'), 'invalid colour is not interpolated');
      assert.ok(mail.html.includes('background:#2563eb'));
    }
  });

  test('html escapes a hostile tenant name everywhere it appears', () => {
    const name = '<script>alert("x")</script> & \'Co\'';
    const mail = defaultMagicLinkTemplate(context({ tenant: { name, logoUrl: 'https://cdn.acme.test/l.png' } }));
    assert.ok(!mail.html.includes('<script>'));
    assert.ok(!mail.html.includes('alert("x")'));
    assert.ok(mail.html.includes(`alt="${escapeHtml(name)}"`), 'the alt attribute holds the whole escaped name');
    assert.ok(mail.html.includes('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;Co&#39;'));
    assert.ok(mail.text.includes(name), 'the text part is plain text and keeps the name as is');
  });

  test('a link carrying quotes or angle brackets cannot break out of the href', () => {
    const link = 'https://portal.acme.test/b?x="><script>1</script>&aforo_magic_token=t';
    const mail = defaultMagicLinkTemplate(context({ link }));
    assert.ok(!mail.html.includes('"><script>'));
    assert.ok(mail.html.includes(escapeHtml(link)));
  });

  test('a link that is not http(s) is refused', () => {
    assert.throws(() => defaultMagicLinkTemplate(context({ link: 'javascript:alert(1)' })));
    assert.throws(() => defaultMagicLinkTemplate(context({ link: 'not a url' })));
  });

  test('a line break in the tenant name never reaches the subject', () => {
    const mail = defaultMagicLinkTemplate(context({ tenant: { name: 'Acme\r\nBcc: evil@x.test' } }));
    assert.ok(!/[\r\n]/.test(mail.subject));
  });

  test('speaks Spanish, French and German, and falls back to English', () => {
    assert.match(defaultMagicLinkTemplate(context({ locale: 'es' })).text, /15 minutos/);
    assert.match(defaultMagicLinkTemplate(context({ locale: 'es-MX' })).text, /15 minutos/);
    assert.match(defaultMagicLinkTemplate(context({ locale: 'fr-CA' })).text, /15 minutes et ne peut/);
    assert.match(defaultMagicLinkTemplate(context({ locale: 'de' })).text, /15 Minuten/);
    assert.match(defaultMagicLinkTemplate(context({ locale: 'xx' })).text, /expires in 15 minutes/);
    assert.match(defaultMagicLinkTemplate(context({ locale: 'es' })).html, /<html lang="es">/);
  });

  test('every supported locale renders the ignore line and the link in both parts', () => {
    for (const locale of SUPPORTED_LOCALES) {
      const mail = defaultMagicLinkTemplate(context({ locale }));
      assert.ok(mail.text.includes(LINK), locale);
      assert.ok(mail.html.includes(escapeHtml(LINK)), locale);
      assert.ok(mail.subject.includes('Acme Billing'), locale);
    }
  });
});

describe('resolveLocale', () => {
  test('maps region tags to their language and unknown ones to en', () => {
    assert.equal(resolveLocale('es-MX'), 'es');
    assert.equal(resolveLocale('DE_at'), 'de');
    assert.equal(resolveLocale('fr'), 'fr');
    assert.equal(resolveLocale('pt-BR'), 'en');
    assert.equal(resolveLocale(''), 'en');
    assert.equal(resolveLocale(undefined), 'en');
    assert.equal(SUPPORTED_LOCALES[0], 'en');
  });
});
