/**
 * Who is asking. Reads need no token; writes need `Authorization: Bearer <token>`.
 * The token is checked against the database on every request that needs it, so a revoked
 * token is refused at once.
 */
import { AppError, ErrorCode } from "../../errors";
import type { TokenService, Viewer } from "./token.service";

export interface Auth {
  /** The viewer, or null without a valid token. Looked up once per request, on first use. */
  viewer(): Promise<Viewer | null>;
  /** Whether the request carried an Authorization header at all. */
  presented: boolean;
}

/** The token of an Authorization value (`Bearer <token>`); null when there is none; undefined when the header is not a Bearer token. */
export function bearerToken(authorization: string | undefined): string | null | undefined {
  if (!authorization) return null;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
  return m ? m[1] : undefined;
}

export function authFromHeader(header: string | undefined, tokens: TokenService): Auth {
  const token = bearerToken(header);
  let cached: Promise<Viewer | null> | undefined;
  return {
    presented: !!header,
    viewer: () => (cached ??= token ? tokens.authenticate(token) : Promise.resolve(null)),
  };
}

/** The viewer, or UNAUTHENTICATED. */
export async function requireViewer(auth: Auth): Promise<Viewer> {
  const viewer = await auth.viewer();
  if (viewer) return viewer;
  throw new AppError(
    ErrorCode.UNAUTHENTICATED,
    auth.presented ? "the token is malformed, unknown or revoked" : "this operation needs a token: send Authorization: Bearer <token>",
  );
}

export function requireAdmin(viewer: Viewer): void {
  if (viewer.role !== "ADMIN") throw new AppError(ErrorCode.FORBIDDEN, "only an admin may do this");
}
