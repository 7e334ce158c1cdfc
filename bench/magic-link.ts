import { randomBytes } from 'node:crypto';
import { percentile } from './load.js';
import { BENCH_ORIGIN, embedHeaders, PREFIX, type ServerInfo } from './shared.js';

export interface MagicLinkTiming {
  samples: number;
  known: { median: number; p99: number };
  unknown: { median: number; p99: number };
  /** Median of known minus median of unknown, milliseconds. */
  medianDifference: number;
}

type Side = 'known' | 'unknown';

function shuffled(samples: number): Side[] {
  const order: Side[] = [...Array<Side>(samples).fill('known'), ...Array<Side>(samples).fill('unknown')];
  for (let i = order.length - 1; i > 0; i -= 1) {
    const j = Math.floor(Math.random() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order;
}

/**
 * Times `POST /v1/embed/auth/magic-link` for registered and unregistered emails, one request at a time, measured in
 * this process around `fetch` (SPEC 6.2: both must answer in the same time).
 *
 * The two sides are interleaved in a random order rather than strictly alternated: a known email's lookup, token
 * and mail run right after its answer and can still be running when the next request arrives, and with strict
 * alternation that leftover work would always land on the unknown side.
 */
export async function timeMagicLink(info: ServerInfo, samples: number, warmup: number): Promise<MagicLinkTiming> {
  const url = `http://127.0.0.1:${info.port}${PREFIX}/v1/embed/auth/magic-link`;
  const headers = { ...embedHeaders(info), 'content-type': 'application/json' };
  const returnUrl = `${BENCH_ORIGIN}/account`;
  const run = `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
  let knownNext = 0;
  let unknownNext = 0;
  const emailFor = (side: Side): string =>
    side === 'known'
      ? info.knownEmails[knownNext++ % info.knownEmails.length]
      : `unknown-${run}-${unknownNext++}@bench.example.com`;

  const once = async (side: Side): Promise<number> => {
    const body = JSON.stringify({ email: emailFor(side), returnUrl });
    const started = performance.now();
    const response = await fetch(url, { method: 'POST', headers, body });
    await response.arrayBuffer();
    const elapsed = performance.now() - started;
    if (response.status !== 202) throw new Error(`magic link (${side} email) answered ${response.status}, expected 202`);
    return elapsed;
  };

  for (const side of shuffled(warmup)) await once(side);
  const times: Record<Side, number[]> = { known: [], unknown: [] };
  for (const side of shuffled(samples)) times[side].push(await once(side));
  const stats = (list: number[]) => {
    const sorted = [...list].sort((a, b) => a - b);
    return { median: percentile(sorted, 50), p99: percentile(sorted, 99) };
  };
  const known = stats(times.known);
  const unknown = stats(times.unknown);
  return { samples, known, unknown, medianDifference: known.median - unknown.median };
}
