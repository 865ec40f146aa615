/**
 * Middleware on Node's own request and response. The steps every request of the HTTP door takes
 * (request id and log, metrics and request context, CORS, the guards, the JSON body) are written
 * against node:http only, so that Express runs them for its routes and POST /graphql runs the very
 * same functions without Express (src/http/app.ts).
 */
import type { IncomingMessage, ServerResponse } from "node:http";

/**
 * A request as the steps see it: Node's, with what the steps add (pino-http's id, body-parser's
 * body). What the request is in the registry's terms (its viewer, whether it wrote) is its
 * RequestState (src/request-context.ts).
 */
export type NodeRequest = IncomingMessage & { id?: unknown; body?: unknown; originalUrl?: string };

export type NodeMiddleware = (req: NodeRequest, res: ServerResponse, next: (err?: unknown) => void) => void;

/**
 * Runs the steps in order, as an Express router would: a step ends the request or calls next;
 * next(err), a step that throws, or the end of the steps calls `done` (with the error, if any).
 */
export function runSteps(steps: readonly NodeMiddleware[], req: NodeRequest, res: ServerResponse, done: (err?: unknown) => void): void {
  let i = 0;
  const next = (err?: unknown): void => {
    if (err !== undefined && err !== null) return done(err);
    const step = steps[i++];
    if (!step) return done();
    try {
      step(req, res, next);
    } catch (e) {
      done(e);
    }
  };
  next();
}

/** JSON as Express's res.json writes it: UTF-8, with its length. */
export function sendJson(res: ServerResponse, status: number, value: unknown): void {
  const body = JSON.stringify(value);
  res.statusCode = status;
  res.setHeader("Content-Type", "application/json; charset=utf-8");
  res.setHeader("Content-Length", Buffer.byteLength(body));
  res.end(body);
}
