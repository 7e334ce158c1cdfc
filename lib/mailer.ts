/** What the engine hands a mailer. Adapters (`aforo-bridge/mail`) deliver it; the engine never imports one. */
export interface MailMessage {
  to: string;
  /** Overrides the mailer's default sender when set (the tenant's magic-link sender). */
  from?: string;
  subject: string;
  text: string;
  html: string;
}

export interface Mailer {
  /** Delivers the message or throws; the engine retries with back-off off the request path. */
  send(message: MailMessage): Promise<void>;
  /** Releases connections (optional). */
  close?(): Promise<void>;
}
