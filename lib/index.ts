/** aforo-bridge: the engine. Storage, mail and framework adapters live in their own entry points. */
export { createBridge, type Bridge } from './bridge.js';
export type { BridgeApi } from './api.js';
export type { BridgeOptions, CustomerScope, InvoiceQuery, InvoiceSource, Logger, SubscriptionData, SubscriptionSource, UsageData } from './config.js';
export { DEFAULTS } from './config.js';
export { BridgeError, ConfigError, ERROR_STATUS, isBridgeError, type ErrorCode } from './errors.js';
export type { PlainRequest, PlainResponse } from './http.js';
export { MAX_BODY_BYTES } from './http.js';
export type { MailMessage, Mailer } from './mailer.js';
export type { MagicLinkMailContext, MagicLinkTemplate, RenderedMail } from './mail-template.js';
export { defaultMagicLinkTemplate } from './mail-template.js';
export type { ActiveSession, PublicCustomer, SessionAnswer } from './sessions.js';
export type { SessionClaims } from './session-tokens.js';
export type { PruneCounts, Storage } from './storage.js';
export type * from './types.js';
