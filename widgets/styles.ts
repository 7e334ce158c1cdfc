/**
 * The widgets' one stylesheet, adopted by every shadow root. Tenants theme through custom properties on the
 * host element (`--aforo-primary`, `--aforo-text`, `--aforo-muted`, `--aforo-surface`, `--aforo-border`,
 * `--aforo-radius`, `--aforo-font`), which inherit into the shadow tree.
 */
export const STYLES = `
:host{display:block;color:var(--aforo-text,#1f2937);font:14px/1.5 var(--aforo-font,system-ui,sans-serif)}
*{box-sizing:border-box}
.sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
.status:empty{display:none}
.status{margin:.5em 0;color:var(--aforo-muted,#6b7280)}
.error{color:#b91c1c}
h2,h3,h4{margin:0 0 .25em;line-height:1.25}
ul{list-style:none;margin:0;padding:0}
button,input{font:inherit}
button{cursor:pointer;border-radius:var(--aforo-radius,6px);border:1px solid var(--aforo-primary,#4f46e5);padding:.45em .9em;background:transparent;color:var(--aforo-primary,#4f46e5)}
button.primary,.cta{background:var(--aforo-primary,#4f46e5);color:#fff}
button:focus-visible,a:focus-visible,input:focus-visible{outline:2px solid var(--aforo-primary,#4f46e5);outline-offset:2px}
button:disabled{opacity:.6;cursor:default}
a{color:var(--aforo-primary,#4f46e5)}
.offerings{display:flex;flex-wrap:wrap;gap:1em}
.vertical{flex-direction:column}
.offering{flex:1 1 14em;border:1px solid var(--aforo-border,#e5e7eb);border-radius:var(--aforo-radius,6px);padding:1em;background:var(--aforo-surface,#fff)}
.featured{border:2px solid var(--aforo-primary,#4f46e5)}
.badge{display:inline-block;font-size:.75em;font-weight:600;text-transform:uppercase;color:var(--aforo-primary,#4f46e5)}
.desc{margin:0 0 .75em;color:var(--aforo-muted,#6b7280)}
.plan{border-top:1px solid var(--aforo-border,#e5e7eb);padding:.75em 0}
.price{margin:0 0 .5em}
.amount{font-size:1.5em;font-weight:700}
.features li{padding-left:1.1em;position:relative}
.features li::before{content:"✓";position:absolute;left:0;color:var(--aforo-primary,#4f46e5)}
.cta{margin-top:.5em;width:100%}
.chips{display:flex;flex-wrap:wrap;gap:.4em;margin:.5em 0}
.chips button[aria-pressed=true]{background:var(--aforo-primary,#4f46e5);color:#fff}
table{width:100%;border-collapse:collapse}
th,td{text-align:left;padding:.5em;border-bottom:1px solid var(--aforo-border,#e5e7eb)}
th{font-weight:600;color:var(--aforo-muted,#6b7280)}
.num{text-align:right;font-variant-numeric:tabular-nums}
.pill{font-size:.8em;font-weight:600;border-radius:999px;padding:.1em .6em;background:var(--aforo-border,#e5e7eb)}
.PAID{background:#dcfce7;color:#166534}.OPEN{background:#dbeafe;color:#1e40af}.OVERDUE{background:#fee2e2;color:#991b1b}
td a{margin-right:.6em}
.more{margin-top:.75em}
form{display:flex;flex-wrap:wrap;gap:.5em;align-items:end}
label{display:flex;flex-direction:column;gap:.2em;flex:1 1 14em}
input{padding:.45em .6em;border:1px solid var(--aforo-border,#d1d5db);border-radius:var(--aforo-radius,6px)}
`;
