import { Type } from '@sinclair/typebox';
import { SLUG_PATTERN } from '../admin-schemas.js';

/** Embed Studio's own wire shapes; everything else it sends is an admin API body, validated by the admin schemas. */

const closed = { additionalProperties: false } as const;
const Json = Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()]);

/** `POST /studio/session`: sign in with the admin token. */
export const SignInBody = Type.Object({ adminToken: Type.String({ minLength: 1, maxLength: 1024 }) }, closed);

/** The studio session as the page sees it: the CSRF token to send back and when the session ends if left idle. */
export const StudioSessionAnswer = Type.Object({
  csrfToken: Type.String(),
  expiresAt: Type.String({ format: 'date-time' }),
});

/** `POST /studio/check-token`: a pasted bridge token and the tenant it is meant for. */
export const CheckTokenBody = Type.Object({
  tenant: Type.String({ minLength: 2, maxLength: 63, pattern: SLUG_PATTERN }),
  bridgeToken: Type.String({ minLength: 1, maxLength: 16_384 }),
}, closed);

/** The token decoded (unverified, for reading) and the exact answer the exchange would give now. */
export const CheckTokenAnswer = Type.Object({
  header: Json,
  claims: Json,
  clock: Type.Object({
    engineTime: Type.String({ format: 'date-time' }),
    leewaySeconds: Type.Integer(),
    maxLifetimeSeconds: Type.Integer(),
    issuedSecondsAgo: Type.Union([Type.Number(), Type.Null()]),
    expiresInSeconds: Type.Union([Type.Number(), Type.Null()]),
  }),
  answer: Type.Object({ status: Type.Integer(), code: Type.String(), message: Type.String() }),
});
