import type { Storage } from '../../lib/storage.js';
import type { SqlDatabase } from './database.js';
import { ms } from './database.js';
import { isUniqueViolation } from './errors.js';
import { CUSTOMER_COLUMNS, SESSION_COLUMNS } from './records.js';

const CUSTOMER_FIELDS = CUSTOMER_COLUMNS.split(', ');
// The customer's columns come back as c_<name>, so they cannot shadow the session's own tenant and created_at.
const SESSION_BY_KEY =
  `select ${SESSION_COLUMNS.split(', ').map((c) => `s.${c}`).join(', ')}, ${CUSTOMER_FIELDS.map((c) => `c.${c} as c_${c}`).join(', ')}
   from sessions s join customers c on c.tenant = s.tenant and c.id = s.customer_id where s.jkt = ? and s.tenant = ?`;

type ResumeMethods = Pick<Storage, 'bindSessionKey' | 'getSessionByKey' | 'createResumeNonce' | 'consumeResumeNonce'>;

/** Resume-key bindings (the `sessions.jkt` column) and one-time resume nonces (SPEC section 9). */
export function resumeMethods(db: () => SqlDatabase): ResumeMethods {
  return {
    async bindSessionKey(sid, jkt) {
      // Conditional on "not yet bound", and the unique index on jkt refuses a key already bound elsewhere: of racing
      // binds of one key the database lets exactly one write, the others fail the index and get false.
      try {
        return (await db().run('update sessions set jkt = ? where sid = ? and jkt is null', [jkt, sid])) === 1;
      } catch (error) {
        if (isUniqueViolation(error, 'sessions', 'jkt')) return false;
        throw error;
      }
    },
    async getSessionByKey(tenant, jkt) {
      const [row] = await db().read(SESSION_BY_KEY, [jkt, tenant]);
      if (!row) return null;
      const customerRow = Object.fromEntries(CUSTOMER_FIELDS.map((c) => [c, row[`c_${c}`]]));
      return { session: db().records.session(row), customer: db().records.customer(customerRow) };
    },
    async createResumeNonce(nonce) {
      await db().run(
        'insert into resume_nonces (nonce_hash, tenant, embed_key_id, created_at, expires_at) values (?, ?, ?, ?, ?)',
        [nonce.nonceHash, nonce.tenant, nonce.embedKeyId, ms(nonce.createdAt), ms(nonce.expiresAt)],
      );
    },
    async consumeResumeNonce({ nonceHash, tenant, embedKeyId, now }) {
      // Every condition sits in the WHERE of one DELETE: of racing consumes (any processes) the database lets
      // exactly one remove the row, and the row count decides the winner. A refused consume deletes nothing.
      const changed = await db().run(
        'delete from resume_nonces where nonce_hash = ? and tenant = ? and embed_key_id = ? and expires_at > ?',
        [nonceHash, tenant, embedKeyId, ms(now)],
      );
      return changed === 1;
    },
  };
}
