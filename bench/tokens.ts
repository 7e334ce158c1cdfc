import { createSecretKey, type KeyObject } from 'node:crypto';
import { mintBridgeToken } from '../lib/mint.js';
import { RETURNING_CUSTOMER, type ServerInfo } from './shared.js';

const BATCH = 500;
/** A rate no route here reaches on this kind of machine; it sizes the pool before anything was measured. */
const FIRST_GUESS_PER_SECOND = 5000;
/** A cycling pool's size: the floor does not check jtis, so a small pool repeated is enough. */
const CYCLE_SIZE = 2000;

/**
 * Bridge tokens for the returning customer, minted with the tenant-side helper before each run and handed out one
 * per request. A jti is one-time, so the engine needs a fresh token for every request; a cycling pool (the floor's)
 * repeats its tokens.
 */
export class TokenPool {
  private tokens: string[] = [];
  private next = 0;
  private readonly key: KeyObject;
  private fastest = 0;
  private runStart = 0;
  private runSeconds = 0;
  /** Set when a one-time pool ran dry during a run; the requests after that were replays and answered 401. */
  exhausted = false;

  constructor(
    private readonly info: ServerInfo,
    private readonly cycle: boolean,
  ) {
    // One KeyObject for every token: the helper would otherwise build one from the secret string per call.
    this.key = createSecretKey(Buffer.from(info.secret, 'utf8'));
  }

  private async mint(count: number): Promise<void> {
    const { kid } = this.info;
    const { externalId, email, name } = RETURNING_CUSTOMER;
    for (let left = count; left > 0; left -= BATCH) {
      // jose signs through WebCrypto, which is asynchronous; a batch keeps its thread pool busy.
      const batch = await Promise.all(
        Array.from({ length: Math.min(BATCH, left) }, () =>
          mintBridgeToken({ kid, alg: 'HS256', key: this.key, externalCustomerId: externalId, email, name, ttlSeconds: 600 }),
        ),
      );
      this.tokens.push(...batch);
    }
  }

  /**
   * Makes sure the next run of `seconds` cannot run dry: twice the fastest rate seen so far, between runs, while
   * the server is idle, so minting never competes with a measurement.
   */
  async ensure(seconds: number): Promise<void> {
    if (this.cycle) {
      if (this.tokens.length === 0) await this.mint(CYCLE_SIZE);
      return;
    }
    if (this.runSeconds > 0) this.fastest = Math.max(this.fastest, (this.next - this.runStart) / this.runSeconds);
    const rate = this.fastest > 0 ? this.fastest : FIRST_GUESS_PER_SECOND;
    const wanted = Math.ceil(rate * seconds * 2) + 500;
    this.tokens = this.tokens.slice(this.next);
    this.next = 0;
    if (this.tokens.length < wanted) await this.mint(wanted - this.tokens.length);
    this.runStart = 0;
    this.runSeconds = seconds;
  }

  /** Makes sure `count` unused tokens are ready (for work outside a timed run). */
  async fill(count: number): Promise<void> {
    const left = this.tokens.length - this.next;
    if (left < count) await this.mint(count - left);
  }

  /** The request body for the next exchange. */
  body(): string {
    if (this.next >= this.tokens.length) {
      if (this.cycle) this.next = 0;
      else {
        this.exhausted = true;
        this.next = this.tokens.length - 1;
      }
    }
    const token = this.tokens[this.next];
    this.next += 1;
    return JSON.stringify({ bridgeToken: token });
  }
}
