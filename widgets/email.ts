/**
 * The browser-side twin of the engine's address check (lib/validate.ts `canonicalEmail`): one plain addr-spec with a
 * dot-atom local part and a domain of at least two labels whose last is not all digits; an IDN domain is mapped to
 * punycode by the URL parser, as the engine maps it. `alice@example` fails here as it fails there.
 */
const LOCAL_PART = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;
const DOMAIN_LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

export function isEmailAddress(value: string): boolean {
  if (value.length > 254 || /[\u0000\uD800-\uDFFF]/.test(value)) return false;
  const at = value.lastIndexOf('@');
  if (at < 1 || at > 64 || !LOCAL_PART.test(value.slice(0, at))) return false;
  const given = value.slice(at + 1);
  let domain = given;
  if (!/^[\x21-\x7e]+$/.test(given)) {
    try {
      domain = new URL('https://' + given.toLowerCase()).hostname;
    } catch {
      return false;
    }
  }
  const labels = domain.toLowerCase().split('.');
  return domain.length <= 253 && labels.length >= 2 && labels.every((label) => DOMAIN_LABEL.test(label)) &&
    !/^[0-9]+$/.test(labels[labels.length - 1]) && value.slice(0, at).length + 1 + domain.length <= 254;
}
