/**
 * The widgets' one stylesheet, adopted by every shadow root. Tenants theme through custom properties on the host
 * element or any ancestor (they inherit into the shadow tree): `--aforo-primary` (accent; default the tenant's
 * `primaryColor`), `--aforo-on-primary` (text on the accent), `--aforo-background`, `--aforo-surface`, `--aforo-text`,
 * `--aforo-muted`, `--aforo-border`, `--aforo-radius`, `--aforo-font`. `data-aforo-theme="light|dark|auto"` picks
 * the built-in palette (auto follows `prefers-color-scheme`); a property set by the page wins in both themes.
 * Every default pair of text and background keeps a contrast of at least 4.5:1.
 */
const LIGHT = '--_bg:var(--aforo-background,#fff);--_sf:var(--aforo-surface,#fff);--_tx:var(--aforo-text,#111827);' +
  '--_mu:var(--aforo-muted,#4b5563);--_bd:var(--aforo-border,#d1d5db);--_sub:#f3f4f6;--_pt:var(--_p);--_er:#b91c1c;' +
  '--_g1:#dcfce7;--_g2:#166534;--_b1:#dbeafe;--_b2:#1e40af;--_r1:#fee2e2;--_r2:#991b1b;color-scheme:light';
// On a dark background the accent as text is lifted toward white: any colour mixed 55% with white clears 4.5:1
// on the dark surfaces, whatever the tenant picked.
const DARK = '--_bg:var(--aforo-background,#111827);--_sf:var(--aforo-surface,#1f2937);--_tx:var(--aforo-text,#f9fafb);' +
  '--_mu:var(--aforo-muted,#d1d5db);--_bd:var(--aforo-border,#4b5563);--_sub:#374151;--_pt:color-mix(in srgb,var(--_p) 45%,#fff);' +
  '--_er:#fca5a5;--_g1:#14532d;--_g2:#dcfce7;--_b1:#1e3a8a;--_b2:#dbeafe;--_r1:#7f1d1d;--_r2:#fee2e2;color-scheme:dark';

export const STYLES = `
:host{display:block;--_p:var(--aforo-primary,var(--aforo-brand,#4f46e5));--_op:var(--aforo-on-primary,#fff);--_rd:var(--aforo-radius,8px);${LIGHT}}
:host([data-aforo-theme=dark]){${DARK}}
@media (prefers-color-scheme:dark){:host(:not([data-aforo-theme=light])){${DARK}}}
*{box-sizing:border-box}
.w{container-type:inline-size;background:var(--_bg);color:var(--_tx);font:15px/1.5 var(--aforo-font,system-ui,-apple-system,"Segoe UI",Roboto,sans-serif);padding:1.25em;border-radius:var(--_rd)}
.sr,thead.sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
.status:empty,.field-error:empty{display:none}
.status{margin:.5em 0;color:var(--_mu)}
.error,.field-error{color:var(--_er)}
.field-error{flex-basis:100%;margin:0}
h2,h3{margin:0;line-height:1.25;color:var(--_tx)}
h2{font-size:1.25em}
h3{font-size:1.15em}
p{margin:0}
ul{list-style:none;margin:0;padding:0}
button,input,a.cta{font:inherit}
button,a.cta{cursor:pointer;border-radius:var(--_rd);border:1px solid var(--_pt);padding:.5em 1em;background:transparent;color:var(--_pt);text-align:center;text-decoration:none;line-height:1.4}
button.primary,button.cta,a.cta{background:var(--_p);border-color:var(--_p);color:var(--_op);font-weight:600}
button.link{border:0;padding:.2em .3em;text-decoration:underline}
button:focus-visible,a:focus-visible,input:focus-visible{outline:2px solid var(--_pt);outline-offset:2px}
button:disabled{opacity:.7;cursor:default}
a{color:var(--_pt)}
.switch{display:inline-flex;gap:.25em;padding:.25em;margin:0 0 1.25em;border:1px solid var(--_bd);border-radius:999px;background:var(--_sf)}
.switch button{border:0;border-radius:999px;padding:.4em 1.1em;color:var(--_tx)}
.switch button[aria-pressed=true]{background:var(--_p);color:var(--_op)}
.switch .save{margin-left:.5em;font-size:.8em;font-weight:600}
.offerings{display:flex;flex-wrap:wrap;gap:1.25em;align-items:stretch}
.offerings.vertical{flex-direction:column}
.offering{flex:1 1 15em;display:flex;flex-direction:column;gap:.6em;position:relative;border:1px solid var(--_bd);border-radius:var(--_rd);padding:1.5em 1.25em 1.25em;background:var(--_sf)}
.vertical .offering{flex:none}
.vertical .cta{width:auto;min-width:12em;align-self:flex-start}
.featured{border-color:var(--_p);box-shadow:0 0 0 1px var(--_p),0 6px 20px rgb(0 0 0/.12)}
.badge{position:absolute;top:0;left:1.25em;transform:translateY(-50%);background:var(--_p);color:var(--_op);font-size:.8em;font-weight:600;padding:.2em .8em;border-radius:999px}
.desc{color:var(--_mu)}
.price{margin-top:.25em}
.amount{font-size:2em;font-weight:700;letter-spacing:-.01em}
.per{color:var(--_mu)}
p.save{font-size:.85em;font-weight:600;color:var(--_pt)}
.features{flex:1;display:grid;gap:.35em;align-content:start;margin:.25em 0 .5em}
.features li{padding-left:1.4em;position:relative}
.features li::before{content:"✓";position:absolute;left:0;color:var(--_pt);font-weight:700}
.cta{display:block;width:100%;margin-top:auto;padding:.65em 1em}
.head{display:flex;flex-wrap:wrap;justify-content:space-between;align-items:center;gap:.5em 1em;margin-bottom:.5em}
.account{display:flex;align-items:center;gap:.5em;color:var(--_mu);font-size:.9em}
.account[hidden]{display:none}
.chips{display:flex;flex-wrap:wrap;gap:.4em;margin:.5em 0 .75em}
.chips button{padding:.3em .9em;border-radius:999px;border-color:var(--_bd);color:var(--_tx)}
.chips button[aria-pressed=true]{background:var(--_p);border-color:var(--_p);color:var(--_op)}
table{width:100%;border-collapse:collapse}
th,td{text-align:left;padding:.65em .5em;border-bottom:1px solid var(--_bd);vertical-align:middle}
thead th{font-size:.8em;font-weight:600;text-transform:uppercase;letter-spacing:.04em;color:var(--_mu)}
th.number{font-weight:600;color:var(--_tx)}
.date{white-space:nowrap}
.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.sub{display:block;font-size:.85em;color:var(--_mu)}
.pill{display:inline-block;font-size:.8em;font-weight:600;border-radius:999px;padding:.1em .65em;background:var(--_sub);color:var(--_tx);white-space:nowrap}
.PAID{background:var(--_g1);color:var(--_g2)}.OPEN{background:var(--_b1);color:var(--_b2)}.OVERDUE{background:var(--_r1);color:var(--_r2)}
.actions{white-space:nowrap;text-align:right}
.actions a{display:inline-block;margin-left:.75em;font-weight:600}
.actions a.pay{background:var(--_p);color:var(--_op);padding:.2em .8em;border-radius:var(--_rd);text-decoration:none}
.pager{display:flex;align-items:center;justify-content:flex-end;gap:.75em;margin-top:.75em}
.pager[hidden],.retry[hidden]{display:none}
.page{color:var(--_mu)}
.retry{margin-top:.75em}
@container (max-width:36em){
thead{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}
table,tbody,tr,th,td{display:block}
tr{display:grid;grid-template-columns:1fr auto;gap:.2em 1em;padding:.75em 0;border-bottom:1px solid var(--_bd)}
th,td{border:0;padding:0}
th.number{grid-column:1}
td.num{grid-column:2;grid-row:1;text-align:right}
td[data-label]:not(.num){grid-column:1/-1;display:flex;justify-content:space-between;gap:1em;color:var(--_tx)}
td[data-label]:not(.num)::before{content:attr(data-label);color:var(--_mu)}
td.actions{justify-content:flex-end;align-items:center}
td.actions::before{margin-right:auto}
.actions a{margin:0 0 0 .75em}
.pager{justify-content:space-between}
}
.signin form{display:flex;flex-wrap:wrap;gap:.5em;align-items:end}
label{display:flex;flex-direction:column;gap:.25em;flex:1 1 14em;color:var(--_tx)}
input{padding:.5em .65em;border:1px solid var(--_bd);border-radius:var(--_rd);background:var(--_sf);color:var(--_tx)}
input[aria-invalid=true]{border-color:var(--_er)}
.sent{display:grid;gap:.5em}
.sm-list{display:grid;gap:.75em}
.sm-list[hidden],.chips[hidden]{display:none}
.sm-item{border:1px solid var(--_bd);border-radius:var(--_rd);background:var(--_sf);padding:1em 1.1em}
.sm-body{display:grid;gap:.5em}
.sm-top{display:flex;flex-wrap:wrap;justify-content:space-between;align-items:center;gap:.35em 1em}
.sm-top h3:focus{outline:none}
.sm-pills{display:flex;flex-wrap:wrap;gap:.35em}
.ACTIVE{background:var(--_g1);color:var(--_g2)}.TRIALING{background:var(--_b1);color:var(--_b2)}.PAST_DUE,.ENDING{background:var(--_r1);color:var(--_r2)}
.sm-meta{display:flex;flex-wrap:wrap;gap:.2em 1.25em;color:var(--_mu)}
.sm-meta .money{color:var(--_tx);font-weight:600;font-variant-numeric:tabular-nums}
.sm-actions{display:flex;flex-wrap:wrap;gap:.5em;margin-top:.25em}
.confirm{display:grid;gap:.75em;border-top:1px solid var(--_bd);padding-top:.75em;margin-top:.25em}
fieldset{border:0;margin:0;padding:0;display:grid;gap:.4em;min-width:0;max-width:30em}
legend{padding:0;margin-bottom:.35em;font-weight:600}
label.sm-option{flex-direction:row;flex:none;align-items:center;gap:.6em;padding:.55em .75em;border:1px solid var(--_bd);border-radius:var(--_rd);cursor:pointer}
label.sm-option:has(:checked){border-color:var(--_pt);box-shadow:0 0 0 1px var(--_pt)}
.sm-option .money{margin-left:auto;font-weight:600;white-space:nowrap}
input[type=radio]{margin:0;padding:0;width:1.1em;height:1.1em;accent-color:var(--_pt)}
.sm-item .status{margin:.6em 0 0}
.lead{font-weight:600}
.hint{color:var(--_mu)}
.sent .actions{display:flex;flex-wrap:wrap;gap:.5em;text-align:left}
.period{color:var(--_mu);font-size:.9em}
.meters{display:grid;gap:1em;margin:.75em 0}
.meters:empty{display:none}
.mrow{display:flex;flex-wrap:wrap;justify-content:space-between;gap:0 1em}
.feature{font-weight:600;overflow-wrap:anywhere}
progress{display:block;width:100%;height:.5em;margin-top:.35em;appearance:none;border:0;border-radius:999px;background:var(--_bd);overflow:hidden}
progress::-webkit-progress-bar{background:var(--_bd)}
progress::-webkit-progress-value{background:var(--_v,var(--_pt))}
progress::-moz-progress-bar{background:var(--_v,var(--_pt))}
.over{--_v:var(--_er)}
.over .num,.overby{color:var(--_er);font-weight:600}
.overby{font-size:.9em;margin-top:.25em}
.total{font-weight:600}
`;
