/**
 * Small factories for tests whose behaviour is not about the plan's data: unique tokens, unique
 * platforms and status changes, made through the public doors (the token service, the
 * createPlatform and updatePlatformStatus mutations).
 */
import { randomBytes } from "node:crypto";
import type { Running } from "../../src/bootstrap";
import type { Grant } from "../../src/modules/auth/scope";
import { TokenService, type Role } from "../../src/modules/auth/token.service";
import { planText } from "../../src/modules/source/plan";
import type { TestServer } from "./server";

export const unique = (prefix: string) => `${prefix}-${randomBytes(5).toString("hex")}`;

/**
 * A token with the given role and scope, on a test server or on an instance a test started itself;
 * returns the token in clear and its id. `revoked` revokes it at once (a token that is refused).
 */
export async function createToken(
  on: TestServer | Running,
  opts: { role?: Role; agencies?: string[]; districts?: string[]; grants?: Grant[]; expiresAt?: Date; name?: string; revoked?: boolean } = {},
): Promise<{ token: string; id: string }> {
  const tokens = new TokenService(("running" in on ? on.running : on).db.dataSource);
  const { token, info } = await tokens.create({
    name: opts.name ?? unique("test token"),
    role: opts.role ?? "ADMIN",
    agencies: opts.agencies,
    districts: opts.districts,
    grants: opts.grants,
    expiresAt: opts.expiresAt,
  });
  if (opts.revoked) await tokens.revoke(info.tokenId);
  return { token, id: info.tokenId };
}

/** A mention that quotes the plan verbatim (any clause will do for a made-up platform). */
export function planMention(offset = 3301, length = 24): { section: string; excerpt: string; offset: number } {
  return { section: "二(一)2", excerpt: planText().slice(offset, offset + length), offset };
}

export const PLATFORM_FIELDS = `id version updatedAt status kind district { code } domains { id } agencies { id } mentions { offset excerpt }`;

/** Creates a unique platform (admin token required); `input` overrides the defaults. */
export async function createPlatform(s: TestServer, adminToken: string, input: Record<string, unknown> = {}): Promise<any> {
  const r = await s.gql(
    `mutation($input: CreatePlatformInput!) { createPlatform(input: $input) { ${PLATFORM_FIELDS} } }`,
    {
      input: {
        id: unique("test-platform"),
        nameHans: unique("测试平台"),
        nameHant: unique("測試平台"),
        nameEn: unique("Test Platform"),
        kind: "RESEARCH_INSTITUTE",
        status: "UNDER_CONSTRUCTION",
        effectiveDate: "2019-01-01",
        district: "440112",
        domains: ["biomed"],
        agencies: ["gz-stic"],
        mentions: [planMention()],
        ...input,
      },
    },
    { token: adminToken },
  );
  if (r.errors) throw new Error(`createPlatform failed: ${JSON.stringify(r.errors)}`);
  return r.data!.createPlatform;
}

/**
 * Records a status change through updatePlatformStatus with `token`; `expectedVersion` defaults to
 * the platform's version now. Returns the platform's `fields` after the change; throws on an error.
 */
export async function recordStatus(
  s: TestServer,
  token: string,
  input: { id: string; status: string; effectiveDate: string; expectedVersion?: number; [field: string]: unknown },
  fields = "id status version",
): Promise<any> {
  const expectedVersion = input.expectedVersion ?? (await s.gql(`query($id: ID!) { platform(id: $id) { version } }`, { id: input.id })).data!.platform.version;
  const r = await s.gql(
    `mutation($input: UpdatePlatformStatusInput!) { updatePlatformStatus(input: $input) { ${fields} } }`,
    { input: { ...input, expectedVersion } },
    { token },
  );
  if (r.errors) throw new Error(`updatePlatformStatus failed: ${JSON.stringify(r.errors)}`);
  return r.data!.updatePlatformStatus;
}
