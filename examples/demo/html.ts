/** Tiny HTML helpers for the demo pages: every interpolated value goes through `escape`. */

export function escape(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

/** A trusted fragment: built by `html` only, never from raw input. */
export class Html {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

type Part = string | number | Html | Html[] | null | undefined | false;

/** Tagged template that escapes every value except `Html` fragments. */
export function html(strings: TemplateStringsArray, ...values: Part[]): Html {
  let out = strings[0];
  values.forEach((value, index) => {
    if (value instanceof Html) out += value.value;
    else if (Array.isArray(value)) out += value.map((part) => part.value).join('');
    else if (value !== null && value !== undefined && value !== false) out += escape(String(value));
    out += strings[index + 1];
  });
  return new Html(out);
}

export interface PageOptions {
  title: string;
  /** The signed-in demo user's email, shown in the header. */
  user?: string | null;
  /** Pages with widgets load the engine's loader script. */
  widgets?: boolean;
}

export function page(options: PageOptions, body: Html): string {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${options.title} · Acme Cloud demo portal</title>
<link rel="stylesheet" href="/demo.css">
${options.widgets ? html`<script src="/aforo/v1/embed/loader.js" defer></script>` : null}
</head>
<body>
<header class="top">
  <a class="brand" href="/">Acme Cloud <span>demo portal</span></a>
  <nav>
    <a href="/pricing">Pricing</a>
    <a href="/account">Account</a>
    <a href="/no-login/invoices">Invoices by email</a>
    <a href="/dev/mail">Dev mail</a>
    ${options.user ? html`<span class="who">${options.user}</span>` : html`<a href="/login">Log in</a>`}
  </nav>
</header>
<main>
<h1>${options.title}</h1>
${body}
</main>
</body>
</html>
`.value;
}
