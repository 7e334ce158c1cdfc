/**
 * The client IP (SPEC section 6.3): the socket address, unless the deployer trusts proxies. With a hop count N,
 * the Nth address from the right of `X-Forwarded-For` (counting the socket peer as the first proxy) is the
 * client; with a list of proxy addresses, addresses are peeled off from the right while they are trusted
 * proxies. A forged `X-Forwarded-For` from a client that is not behind a trusted proxy changes nothing.
 */
export function normaliseIp(ip: string): string {
  const trimmed = ip.trim();
  return trimmed.startsWith('::ffff:') && trimmed.includes('.') ? trimmed.slice(7) : trimmed;
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
