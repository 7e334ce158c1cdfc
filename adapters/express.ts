import type { ErrorRequestHandler, NextFunction, Request, RequestHandler, Response } from 'express';
import type { Bridge } from '../lib/bridge.js';
import { BridgeError } from '../lib/errors.js';
import { errorResponse } from '../lib/edge.js';
import type { PlainResponse } from '../lib/http.js';
import type { ActiveSession } from '../lib/sessions.js';
import { plainHeaders, plainQuery, readBody } from './node-body.js';
import { requirePeer } from './peer.js';
import { sessionVerifier, type RequireSessionOptions } from './require-session.js';

requirePeer('express', 'aforo-bridge/express');

declare global {
  // Express types its request through this global namespace; merging into it is how middleware adds a field.
  namespace Express {
    interface Request {
      /** The verified session, set by `requireSession`. */
      aforo?: ActiveSession;
    }
  }
}

function send(res: Response, response: PlainResponse): void {
  res.status(response.status);
  for (const [name, value] of Object.entries(response.headers)) res.setHeader(name, value);
  res.end(response.body ?? undefined);
}

function search(url: string): string {
  const at = url.indexOf('?');
  return at === -1 ? '' : url.slice(at + 1);
}

// body-parser's error types (express.json(), express.text(), …), as the engine's own codes.
const BODY_ERRORS: Record<string, () => BridgeError> = {
  'entity.parse.failed': () => new BridgeError('invalid_request', 'the body is not valid JSON'),
  'entity.too.large': () => new BridgeError('payload_too_large', 'the body is larger than 16 KiB'),
  'entity.verify.failed': () => new BridgeError('invalid_request', 'the body could not be read'),
  'request.aborted': () => new BridgeError('invalid_request', 'the body could not be read'),
  'request.size.invalid': () => new BridgeError('invalid_request', 'the body could not be read'),
  'stream.encoding.set': () => new BridgeError('invalid_request', 'the body could not be read'),
  'charset.unsupported': () => new BridgeError('unsupported_media_type', 'the body must be UTF-8 JSON'),
  'encoding.unsupported': () => new BridgeError('unsupported_media_type', 'the body encoding is not supported'),
};

/**
 * Express middleware serving the engine under the path it is mounted at. Paths the engine does not serve go on
 * to the next handler; an unexpected failure goes to `next(err)`. Works with Express 5 and with Express 4-style
 * routers (it never relies on Express 5 catching a rejected promise).
 *
 * A body a host parser already read (`express.json()`) is taken as parsed; otherwise the raw body is read here
 * with the engine's 16 KiB cap. The client IP is `req.ip`, so `app.set('trust proxy', …)` decides it.
 * It is a pair of handlers: the second turns a host body parser's error under the mount path (malformed JSON,
 * a body over the parser's limit) into the engine's error envelope instead of Express's HTML page.
 *
 * @example
 * const app = express();
 * app.use('/aforo', expressBridge(bridge));
 */
export function expressBridge(bridge: Bridge): [RequestHandler, ErrorRequestHandler] {
  const serve: RequestHandler = (req: Request, res: Response, next: NextFunction) => {
    // A stream already read to its end means a host body parser ran; whatever it left on req.body is the body.
    const body = req.readableEnded ? (req.body as unknown) : readBody(req);
    Promise.resolve(body)
      .then((read) =>
        bridge.handle({
          method: req.method,
          // Express strips the mount path from req.path, so this is the path below the prefix.
          path: req.path,
          query: plainQuery(search(req.url)),
          headers: plainHeaders(req.headers),
          body: read,
          ip: req.ip ?? req.socket.remoteAddress ?? '',
        }),
      )
      .then((response) => {
        if (response) send(res, response);
        else next();
      })
      .catch(next);
  };
  const bodyErrors: ErrorRequestHandler = (error: unknown, _req: Request, res: Response, next: NextFunction) => {
    const type = (error as { type?: unknown } | null)?.type;
    const refusal = typeof type === 'string' && Object.hasOwn(BODY_ERRORS, type) ? BODY_ERRORS[type]() : null;
    if (refusal && !res.headersSent) send(res, errorResponse(refusal));
    else next(error);
  };
  return [serve, bodyErrors];
}

/**
 * Express middleware for the tenant's own routes: verifies `Authorization: Bearer <session JWT>` for `tenant` and
 * sets `req.aforo` to the session; answers 401 with the SPEC's error envelope otherwise.
 *
 * @example
 * app.get('/api/me', requireSession(bridge, { tenant: 'acme' }), (req, res) => {
 *   res.json({ customerId: req.aforo!.customer.id });
 * });
 */
export function requireSession(bridge: Bridge, options: RequireSessionOptions<Request>): RequestHandler {
  const verify = sessionVerifier(bridge, options);
  return (req: Request, res: Response, next: NextFunction) => {
    verify(req, req.get('authorization')).then(
      (active) => {
        req.aforo = active;
        next();
      },
      (error: unknown) => {
        if (error instanceof BridgeError && error.status < 500) send(res, errorResponse(error));
        else next(error);
      },
    );
  };
}
