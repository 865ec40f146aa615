/**
 * Who is asking. Reads need no token; writes need `Authorization: Bearer <token>`. The request
 * guards (src/http/guards.ts) look the token up on every request that carries one and refuse an
 * invalid one before anything runs; the viewer they read is the request's.
 */
import { AppError, ErrorCode } from "../../errors";
import type { Viewer } from "./token.service";

export interface Auth {
  /** The viewer, or null without a token. */
  viewer(): Promise<Viewer | null>;
  /** Whether the request carried a (valid) token. */
  presented: boolean;
}

/** The token of an Authorization value (`Bearer <token>`); null when there is none; undefined when the header is not a Bearer token. */
export function bearerToken(authorization: string | undefined): string | null | undefined {
  if (!authorization) return null;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
  return m ? m[1] : undefined;
}

const ANONYMOUS: Auth = { presented: false, viewer: () => Promise.resolve(null) };

/** The request's auth from the viewer the guards verified on it (undefined: no token). */
export function authOf(viewer: Viewer | null | undefined): Auth {
  if (!viewer) return ANONYMOUS;
  const answer = Promise.resolve(viewer);
  return { presented: true, viewer: () => answer };
}

/** The viewer, or UNAUTHENTICATED. */
export async function requireViewer(auth: Auth): Promise<Viewer> {
  const viewer = await auth.viewer();
  if (viewer) return viewer;
  throw new AppError(ErrorCode.UNAUTHENTICATED, "this operation needs a token: send Authorization: Bearer <token>");
}

export function requireAdmin(viewer: Viewer): void {
  if (viewer.role !== "ADMIN") throw new AppError(ErrorCode.FORBIDDEN, "only an admin may do this");
}
