import { startShell } from './shell.js';
import { auditPage } from './pages/audit.js';
import { checkerPage } from './pages/checker.js';
import { customersPage } from './pages/customers.js';
import { embedKeysPage } from './pages/embed-keys.js';
import { offeringsPage } from './pages/offerings.js';
import { signingKeysPage } from './pages/signing-keys.js';
import { snippetsPage } from './pages/snippets.js';
import { tenantsPage } from './pages/tenants.js';

/** Embed Studio's entry: the page's one script (no framework, no inline code). */
const root = document.getElementById('studio');
if (root) {
  startShell(root, [tenantsPage, embedKeysPage, signingKeysPage, checkerPage, offeringsPage, customersPage, auditPage, snippetsPage]);
}
