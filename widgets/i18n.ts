/**
 * Widget copy in English, Spanish, French and German, picked by `data-aforo-locale` (else the browser's language),
 * as the engine's mail is. Amounts and dates use `Intl` with the full locale (`de-CH`, `es-MX`…). English is here;
 * the other three are in locales.ts and reach the page as one fetched file each.
 */

const en = {
  loading: 'Loading…',
  loadingPlans: 'Loading plans…',
  pricingDown: 'Pricing is unavailable right now.',
  invoicesDown: 'Invoices are unavailable right now.',
  noPlans: 'No plans are available yet.',
  interval: 'Billing interval',
  month: 'Monthly',
  year: 'Yearly',
  perMonth: '/ month',
  perYear: '/ year',
  oneTime: 'one-time',
  save: 'Save {n}%',
  choose: 'Choose plan',
  popular: 'Most popular',
  invoices: 'Invoices',
  signedInAs: 'Signed in as {who}',
  signOut: 'Sign out',
  filter: 'Filter by status',
  all: 'All',
  DRAFT: 'Draft',
  OPEN: 'Open',
  PAID: 'Paid',
  OVERDUE: 'Overdue',
  VOID: 'Void',
  colInvoice: 'Invoice',
  colIssued: 'Issued',
  colDue: 'Due',
  colStatus: 'Status',
  colAmount: 'Amount',
  colActions: 'Actions',
  empty: 'No invoices yet.',
  emptyOPEN: 'No open invoices.',
  emptyPAID: 'No paid invoices.',
  emptyOVERDUE: 'No overdue invoices.',
  emptyVOID: 'No void invoices.',
  paidAmount: '{amount} paid',
  pay: 'Pay',
  pdf: 'PDF',
  view: 'View',
  prev: 'Previous',
  next: 'Next',
  page: 'Page {n}',
  pager: 'Invoice pages',
  loadingInvoices: 'Loading invoices…',
  loadFailed: 'Invoices could not be loaded.',
  retry: 'Try again',
  signInEmail: 'Sign in with your email to see your invoices.',
  signIn: 'Sign in to see your invoices.',
  email: 'Email address',
  send: 'Email me a sign-in link',
  badEmail: 'Enter a valid email address, like name@example.com.',
  inbox: 'Check your inbox.',
  sentTo: 'We sent a sign-in link to {email}.',
  sentHint: 'It may take a minute to arrive. If you do not see it, check your spam folder.',
  resend: 'Resend link',
  resendIn: 'Resend in {n} s',
  resent: 'We sent another link to {email}.',
  another: 'Use another email',
  sendFailed: 'The sign-in link could not be sent. Try again in a moment.',
  tooMany: 'Too many attempts. Wait a minute, then try again.',
  signingIn: 'Signing you in…',
  linkBad: 'This sign-in link is invalid or has expired. Ask for a new one below.',
  linkUsed: 'This sign-in link was already used in this browser. Ask for a new one below.',
  linkUsedIn: 'This sign-in link was already used in this browser; you are signed in.',
  continueText: 'Continue to sign in and see your invoices.',
  continue: 'Continue',
  startFailed: 'We could not sign you in. Reload the page to try again.',
  broken: 'This widget could not start.', subscribe: 'Subscribe', subscribed: 'Subscribed', subscribeDown: 'Subscribing is unavailable right now.', signInSubscribe: 'Sign in to subscribe.',
  usage: 'Usage', loadingUsage: 'Loading usage…', usageEmpty: 'This plan has no metered features.', usageFailed: 'Usage could not be loaded.',
  usageMissing: 'This subscription was not found on your account.', signInUsage: 'Sign in to see your usage.',
  signInUsageEmail: 'Sign in with your email to see your usage.', continueUsage: 'Continue to sign in and see your usage.',
  usedOf: '{used} of {included}', usedOnly: '{used} used', overBy: '{n} over · {amount}', overage: 'Overage so far: {amount}', period: 'Period: {range}',
  subscriptions: 'Subscriptions', subsDown: 'Subscriptions are unavailable right now.', loadingSubs: 'Loading subscriptions…',
  subsFailed: 'Subscriptions could not be loaded.', signInSubs: 'Sign in to see your subscriptions.',
  signInEmailSubs: 'Sign in with your email to see your subscriptions.', continueSubs: 'Continue to sign in and see your subscriptions.',
  noSubs: 'You have no subscriptions.', noSubsActive: 'You have no active subscriptions.', noSubsCanceled: 'You have no canceled subscriptions.',
  subsAll: 'All', ACTIVE: 'Active', TRIALING: 'Trial', PAST_DUE: 'Past due', CANCELED: 'Canceled', ending: 'Cancels at period end',
  renews: 'Renews on {date}', ends: 'Ends on {date}', ended: 'Ended on {date}', trialEnds: 'Trial ends on {date}',
  changePlan: 'Change plan', cancel: 'Cancel', resume: 'Resume', back: 'Back',
  cancelAsk: 'Cancel {name}? It stays active until {date}, then ends. You can resume it until then.', cancelYes: 'Yes, cancel',
  keep: 'Keep subscription', choosePlan: 'Choose a new plan for {name}', confirmChange: 'Confirm change',
  canceledDone: '{name} will end on {date}.', resumedDone: '{name} will renew on {date}.', changedDone: '{name} is now on the {plan} plan.',
  actionFailed: 'That did not go through. Try again.',
};

export type Messages = typeof en;

/** A language's copy file, as the build lists it: its name under `/v1/embed/widgets/` and its SRI hash. */
export interface LocaleFile {
  file: string;
  integrity: string;
}

// The loader bundle is built with the list of its language files and their hashes (scripts/build-widgets.mjs), so
// a page that pins the bundle's integrity pins its copy too. Without it (the SDK as an ES module) the list comes
// from the engine's `/v1/embed/sri.json`.
declare const __AFORO_LOCALE_FILES__: Record<string, LocaleFile> | undefined;
const BUILT_IN = typeof __AFORO_LOCALE_FILES__ === 'undefined' ? undefined : __AFORO_LOCALE_FILES__;

/** The language part of `locale` (else the browser's), lower-cased. */
export function languageOf(locale: string | undefined): string {
  return (locale ?? (typeof navigator === 'undefined' ? 'en' : navigator.language) ?? 'en').toLowerCase().split(/[-_]/)[0];
}

const loaded = new Map<string, Promise<Messages>>();

async function fetchMessages(apiBase: string, language: string): Promise<Messages> {
  let files = BUILT_IN;
  if (!files) {
    const sri = (await (await fetch(`${apiBase}/v1/embed/sri.json`, { credentials: 'omit' })).json()) as Record<string, { path: string; integrity: string }>;
    files = {};
    for (const [name, entry] of Object.entries(sri)) {
      const match = /^locale-(\w+)\.json$/.exec(name);
      if (match) files[match[1]] = { file: entry.path.slice(entry.path.lastIndexOf('/') + 1), integrity: entry.integrity };
    }
  }
  const file = Object.prototype.hasOwnProperty.call(files, language) ? files[language] : undefined;
  if (!file) return en;
  const response = await fetch(`${apiBase}/v1/embed/widgets/${file.file}`, { credentials: 'omit', integrity: file.integrity });
  if (!response.ok) throw new Error(`the ${language} copy answered ${response.status}`);
  // Every key English has, from the file where present: a file from another release never leaves a hole.
  return { ...en, ...((await response.json()) as Partial<Messages>) };
}

/**
 * The copy for `locale`: English at once (no request), another of the four languages fetched once per page and
 * engine; English again when that fails (the caller warns).
 */
export function loadMessages(apiBase: string, locale: string | undefined): Messages | Promise<Messages> {
  const language = languageOf(locale);
  // Only a language subtag can name a file; an own-property test, so `constructor` and friends name nothing.
  if (language === 'en' || !/^[a-z]{2,3}$/.test(language) || (BUILT_IN && !Object.prototype.hasOwnProperty.call(BUILT_IN, language))) return en;
  const key = `${apiBase} ${language}`;
  let messages = loaded.get(key);
  if (!messages) {
    messages = fetchMessages(apiBase, language);
    loaded.set(key, messages);
    // A failure is not kept: the next widget mounted may try again.
    messages.catch(() => loaded.delete(key));
  }
  return messages;
}

/** English, the copy every language falls back to. */
export const ENGLISH: Messages = en;

/** Fills `{name}` placeholders. */
export function fill(text: string, values: Record<string, string | number>): string {
  return text.replace(/\{(\w+)\}/g, (whole, name: string) => (name in values ? String(values[name]) : whole));
}
