import { admin, tenantPath } from '../api.js';
import { append, clear, field, h } from '../dom.js';
import type { Page } from '../shell.js';
import type { EmbedKey, SigningKey } from '../types.js';

type Mode = 'anonymous' | 'bridge' | 'magic-link';

// The engine's own URL: the studio page is {engine}/studio.
const engine = `${location.origin}${location.pathname.replace(/\/studio\/*$/, '')}`;

function embed(mode: Mode, slug: string, key: string): string {
  const widget = mode === 'anonymous' ? 'pricing-card' : 'invoice-list';
  const auth = mode === 'bridge' ? '\n     data-aforo-bridge-token="<%= bridgeToken %>"' : mode === 'magic-link' ? '\n     data-aforo-magic-link="true"' : '';
  const note = mode === 'bridge' ? '<!-- Render a fresh bridge token into the page for the signed-in customer (see the mint code). -->\n' : '';
  return `${note}<script src="${engine}/v1/embed/loader.js" defer></script>
<div data-aforo-widget="${widget}"
     data-aforo-tenant-slug="${slug}"
     data-aforo-embed-key="${key}"${auth}></div>`;
}

function node(key: SigningKey): string {
  const symmetric = key.alg === 'HS256';
  // The sample's import lines are built as strings so no line of this file reads as an import of its own.
  const imports = [`import { SignJWT${symmetric ? '' : ', importPKCS8'} } from 'jose';`, "import { randomUUID } from 'node:crypto';"].join('\n');
  return `// npm install jose — mint one token per page view, right before rendering it.
${imports}

const key = ${symmetric ? 'new TextEncoder().encode(process.env.AFORO_SECRET)' : `await importPKCS8(process.env.AFORO_PRIVATE_KEY_PEM, '${key.alg}')`};

export function mintBridgeToken(customer) {
  return new SignJWT({ external_customer_id: customer.id, email: customer.email, name: customer.name })
    .setProtectedHeader({ alg: '${key.alg}', kid: '${key.kid}' })
    .setIssuedAt()
    .setExpirationTime('5m')
    .setAudience('aforo-bridge')
    .setJti(randomUUID())
    .sign(key);
}

console.log(await mintBridgeToken({ id: process.env.AFORO_EXTERNAL_CUSTOMER_ID ?? 'cust-42', email: process.env.AFORO_EMAIL }));
`;
}

function python(key: SigningKey): string {
  const symmetric = key.alg === 'HS256';
  return `# pip install pyjwt${symmetric ? '' : '[crypto]'}
import os, time, uuid
import jwt

KEY = os.environ["${symmetric ? 'AFORO_SECRET' : 'AFORO_PRIVATE_KEY_PEM'}"]

def mint_bridge_token(customer_id, email=None, name=None):
    now = int(time.time())
    claims = {"external_customer_id": customer_id, "iat": now, "exp": now + 300,
              "jti": str(uuid.uuid4()), "aud": "aforo-bridge"}
    if email: claims["email"] = email
    if name: claims["name"] = name
    return jwt.encode(claims, KEY, algorithm="${key.alg}", headers={"kid": "${key.kid}"})

if __name__ == "__main__":
    print(mint_bridge_token(os.environ.get("AFORO_EXTERNAL_CUSTOMER_ID", "cust-42"), os.environ.get("AFORO_EMAIL")))
`;
}

// The Go snippet's signing step per algorithm, with the standard-library packages it needs beyond the common ones.
const GO_SIGNERS: Record<SigningKey['alg'], { imports: string[]; body: string }> = {
  HS256: {
    imports: ['crypto/hmac', 'crypto/sha256'],
    body: `\tmac := hmac.New(sha256.New, []byte(os.Getenv("AFORO_SECRET")))
\tmac.Write(input)
\treturn mac.Sum(nil), nil`,
  },
  RS256: {
    imports: ['crypto', 'crypto/rsa', 'crypto/sha256', 'crypto/x509', 'encoding/pem', 'errors'],
    body: `\tkey, ok := privateKey().(*rsa.PrivateKey)
\tif !ok {
\t\treturn nil, errors.New("AFORO_PRIVATE_KEY_PEM must hold a PKCS#8 RSA private key")
\t}
\tdigest := sha256.Sum256(input)
\treturn rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, digest[:])`,
  },
  ES256: {
    imports: ['crypto/ecdsa', 'crypto/sha256', 'crypto/x509', 'encoding/pem', 'errors'],
    body: `\tkey, ok := privateKey().(*ecdsa.PrivateKey)
\tif !ok {
\t\treturn nil, errors.New("AFORO_PRIVATE_KEY_PEM must hold a PKCS#8 P-256 private key")
\t}
\tdigest := sha256.Sum256(input)
\tr, s, err := ecdsa.Sign(rand.Reader, key, digest[:])
\tif err != nil {
\t\treturn nil, err
\t}
\tsignature := make([]byte, 64) // JWS wants r and s as two 32-byte halves
\tr.FillBytes(signature[:32])
\ts.FillBytes(signature[32:])
\treturn signature, nil`,
  },
  EdDSA: {
    imports: ['crypto/ed25519', 'crypto/x509', 'encoding/pem', 'errors'],
    body: `\tkey, ok := privateKey().(ed25519.PrivateKey)
\tif !ok {
\t\treturn nil, errors.New("AFORO_PRIVATE_KEY_PEM must hold a PKCS#8 Ed25519 private key")
\t}
\treturn ed25519.Sign(key, input), nil`,
  },
};

/** The Go mint program for `key` (exported for its test, which builds and runs it for every algorithm). */
export function go(key: SigningKey): string {
  const signer = GO_SIGNERS[key.alg];
  const imports = [...new Set(['crypto/rand', 'encoding/base64', 'encoding/json', 'fmt', 'os', 'time', ...signer.imports])].sort();
  const readKey = key.alg === 'HS256' ? '' : `
// The PKCS#8 PEM in AFORO_PRIVATE_KEY_PEM, or nil.
func privateKey() any {
\tblock, _ := pem.Decode([]byte(os.Getenv("AFORO_PRIVATE_KEY_PEM")))
\tif block == nil {
\t\treturn nil
\t}
\tkey, _ := x509.ParsePKCS8PrivateKey(block.Bytes)
\treturn key
}
`;
  return `// Standard library only: \`go run mint.go\` prints one bridge token. Mint one per page view, right before rendering it.
package main

import (
${imports.map((name) => `\t"${name}"`).join('\n')}
)

func sign(input []byte) ([]byte, error) {
${signer.body}
}
${readKey}
func MintBridgeToken(customerID, email string) (string, error) {
\tnow := time.Now().Unix()
\tjti := make([]byte, 16)
\tif _, err := rand.Read(jti); err != nil {
\t\treturn "", err
\t}
\tclaims := map[string]any{"external_customer_id": customerID, "iat": now, "exp": now + 300,
\t\t"jti": base64.RawURLEncoding.EncodeToString(jti), "aud": "aforo-bridge"}
\tif email != "" {
\t\tclaims["email"] = email
\t}
\theader, _ := json.Marshal(map[string]string{"alg": "${key.alg}", "kid": "${key.kid}", "typ": "JWT"})
\tpayload, err := json.Marshal(claims)
\tif err != nil {
\t\treturn "", err
\t}
\tinput := base64.RawURLEncoding.EncodeToString(header) + "." + base64.RawURLEncoding.EncodeToString(payload)
\tsignature, err := sign([]byte(input))
\tif err != nil {
\t\treturn "", err
\t}
\treturn input + "." + base64.RawURLEncoding.EncodeToString(signature), nil
}

func main() {
\tcustomer := os.Getenv("AFORO_EXTERNAL_CUSTOMER_ID")
\tif customer == "" {
\t\tcustomer = "cust-42"
\t}
\ttoken, err := MintBridgeToken(customer, os.Getenv("AFORO_EMAIL"))
\tif err != nil {
\t\tfmt.Fprintln(os.Stderr, err)
\t\tos.Exit(1)
\t}
\tfmt.Println(token)
}
`;
}

function codeBlock(id: string, text: string): HTMLElement {
  const copied = h('span', { class: 'muted', role: 'status' });
  return h('div', { class: 'code-block' },
    h('div', { class: 'row' }, h('span', { class: 'spacer' }), copied,
      h('button', { type: 'button', onclick: () => void navigator.clipboard.writeText(text).then(() => { copied.textContent = 'Copied.'; }, () => { copied.textContent = 'Copy failed.'; }) }, 'Copy')),
    h('pre', { id }, text));
}

export const snippetsPage: Page = {
  id: 'snippets',
  title: 'Embed snippets',
  needsTenant: true,
  async render(root, context) {
    const slug = context.tenant as string;
    const [{ embedKeys }, { signingKeys }] = await Promise.all([
      admin<{ embedKeys: EmbedKey[] }>('GET', tenantPath(slug, '/embed-keys')),
      admin<{ signingKeys: SigningKey[] }>('GET', tenantPath(slug, '/signing-keys')),
    ]);
    const active = embedKeys.filter((k) => k.status === 'ACTIVE');
    const verifying = signingKeys.filter((k) => k.status !== 'REVOKED').sort((a, b) => (a.status === 'ACTIVE' ? -1 : b.status === 'ACTIVE' ? 1 : 0));
    const mode = h('select', { id: 'snippet-mode' }, h('option', { value: 'bridge' }, 'Bridge token (your portal signs customers in)'),
      h('option', { value: 'magic-link' }, 'Magic link (the engine signs customers in by email)'), h('option', { value: 'anonymous' }, 'Anonymous (pricing only)')) as HTMLSelectElement;
    const key = h('select', { id: 'snippet-embed-key' }, ...active.map((k) => h('option', { value: k.id }, `${k.id} (${k.allowedOrigins.join(', ')})`))) as HTMLSelectElement;
    const kid = h('select', { id: 'snippet-kid' }, ...verifying.map((k) => h('option', { value: k.kid }, `${k.kid} ${k.alg} ${k.status}`))) as HTMLSelectElement;
    const lang = h('select', { id: 'snippet-lang' }, h('option', { value: 'node' }, 'Node'), h('option', { value: 'python' }, 'Python'), h('option', { value: 'go' }, 'Go')) as HTMLSelectElement;
    const out = h('div', {});
    const draw = () => {
      clear(out);
      if (active.length === 0) {
        append(out, h('p', { class: 'empty' }, 'This tenant has no active embed key: create one on the Embed keys page.'));
        return;
      }
      append(out, h('h2', {}, 'Embed snippet'), codeBlock('snippet-html', embed(mode.value as Mode, slug, key.value)));
      if (mode.value !== 'bridge') return;
      const signing = verifying.find((k) => k.kid === kid.value);
      if (!signing) {
        append(out, h('p', { class: 'empty' }, 'No signing key verifies: mint one on the Auth Bridge page.'));
        return;
      }
      const code = lang.value === 'python' ? python(signing) : lang.value === 'go' ? go(signing) : node(signing);
      append(out, h('h2', {}, 'Mint code'),
        h('p', { class: 'muted' }, `Reads the ${signing.alg === 'HS256' ? 'secret from AFORO_SECRET' : 'private key from AFORO_PRIVATE_KEY_PEM'}; the studio never shows it again.`),
        codeBlock('snippet-mint', code));
    };
    for (const control of [mode, key, kid, lang]) control.addEventListener('change', draw);
    append(root, h('div', { class: 'card form row-form' }, field('Mode', mode), field('Embed key', key), field('Signing key', kid), field('Mint code', lang)), out);
    draw();
  },
};
