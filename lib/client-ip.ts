import { isIPv6 } from 'node:net';

/**
 * The client IP (SPEC section 6.3): the socket address, unless the deployer trusts proxies. With a hop count N,
 * the Nth address from the right of `X-Forwarded-For` (counting the socket peer as the first proxy) is the
 * client; with a list of proxy addresses, addresses are peeled off from the right while they are trusted
 * proxies. A forged `X-Forwarded-For` from a client that is not behind a trusted proxy changes nothing.
 */
export function normaliseIp(ip: string): string {
  const trimmed = ip.trim();
  if (trimmed.startsWith('::ffff:') && trimmed.includes('.')) return trimmed.slice(7);
  if (!trimmed.includes(':')) return trimmed;
  // One IPv6 address has many spellings (case, zeros, brackets); a rate limit keyed on the text must see one.
  const bare = trimmed.startsWith('[') && trimmed.endsWith(']') ? trimmed.slice(1, -1) : trimmed;
  if (!isIPv6(bare)) return trimmed;
  // A zone id (fe80::1%eth0) is no URL host: such an address keeps its text, lower-cased.
  if (bare.includes('%')) return bare.toLowerCase();
  const canonical = new URL(`http://[${bare}]/`).hostname.slice(1, -1);
  // An IPv4-mapped address is its IPv4 address, as Node reports a dual-stack socket's peer.
  const mapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(canonical);
  if (!mapped) return canonical;
  const [high, low] = [parseInt(mapped[1], 16), parseInt(mapped[2], 16)];
  return [high >> 8, high & 255, low >> 8, low & 255].join('.');
}

export function clientIp(socketIp: string, forwardedFor: string | undefined, trustProxy: number | string[] | false): string {
  const peer = normaliseIp(socketIp || '');
  if (trustProxy === false || trustProxy === 0 || !forwardedFor) return peer;
  const chain = forwardedFor.split(',').map(normaliseIp).filter((part) => part.length > 0 && part.length <= 64);
  if (typeof trustProxy === 'number') {
    // chain = [client, proxy1, …] + peer; trusting N hops means the peer and N-1 forwarded entries are proxies.
    const hops = [...chain, peer];
    const index = hops.length - 1 - trustProxy;
    return index >= 0 ? hops[index] : hops[0];
  }
  const trusted = new Set(trustProxy.map(normaliseIp));
  if (!trusted.has(peer)) return peer;
  for (let i = chain.length - 1; i >= 0; i--) {
    if (!trusted.has(chain[i])) return chain[i];
  }
  return chain[0] ?? peer;
}
