import { decodeJwt, decodeProtectedHeader } from 'jose';
import { claimJti, verifyTenantBridgeToken } from '../embed-api.js';
import type { Engine } from '../engine.js';
import { BridgeError } from '../errors.js';
import type { Static } from '@sinclair/typebox';
import type { CheckTokenAnswer } from './schemas.js';

type Answer = Static<typeof CheckTokenAnswer>;

function decoded(token: string): Pick<Answer, 'header' | 'claims'> {
  // Shown to the operator only; nothing here is trusted or decides the answer.
  let header: Record<string, unknown> | null = null;
  let claims: Record<string, unknown> | null = null;
  try {
    header = decodeProtectedHeader(token) as Record<string, unknown>;
  } catch {
    header = null;
  }
  try {
    claims = decodeJwt(token) as Record<string, unknown>;
  } catch {
    claims = null;
  }
  return { header, claims };
}

/**
 * Embed Studio's bridge-token checker: the exchange's own verification (verifyTenantBridgeToken) and its jti step
 * in `ask` mode, so the answer is the code the exchange would give now, while no jti is spent, no customer or
 * session is created and nothing is audited as a refusal. The embed key and origin checks of the exchange are the
 * widget's side and are not part of the token's answer.
 */
export async function checkBridgeToken(engine: Engine, tenant: string, token: string): Promise<Answer> {
  const now = engine.now();
  const { bridgeLeeway: leewaySeconds, bridgeMaxLifetime: maxLifetimeSeconds } = engine.config;
  const { header, claims } = decoded(token);
  const nowSeconds = Math.floor(now.getTime() / 1000);
  const numeric = (name: string): number | null => (typeof claims?.[name] === 'number' ? (claims[name] as number) : null);
  const iat = numeric('iat');
  const exp = numeric('exp');
  const clock = {
    engineTime: now.toISOString(),
    leewaySeconds,
    maxLifetimeSeconds,
    issuedSecondsAgo: iat === null ? null : nowSeconds - iat,
    expiresInSeconds: exp === null ? null : exp - nowSeconds,
  };
  try {
    const verified = await verifyTenantBridgeToken(engine, tenant, token, now);
    await claimJti(engine, tenant, verified, now, 'ask');
    return { header, claims, clock, answer: { status: 200, code: 'ok', message: 'the exchange would accept this token and start a session' } };
  } catch (error) {
    if (!(error instanceof BridgeError) || error.status >= 500) throw error;
    return { header, claims, clock, answer: { status: error.status, code: error.code, message: error.message } };
  }
}
