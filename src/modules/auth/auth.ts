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

export function authFromHeader(header: string | undefined, tokens: TokenService): Auth {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? "");
  let cached: Promise<Viewer | null> | undefined;
  return {
    presented: !!header,
    viewer: () => (cached ??= match ? tokens.authenticate(match[1]) : Promise.resolve(null)),
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
