/**
 * OGC API – Features – Part 3, Queryables: the properties of a platform feature that a client may
 * filter on, as a JSON Schema (GET /collections/platforms/queryables), and, by the conformance
 * class "Queryables as Query Parameters", each one a query parameter of /items with the same
 * name: `?district=440112&kind=LABORATORY`. A parameter compiles to the PlatformFilter field
 * that GraphQL clients use (platform.query.ts compiles both), so an OGC client, the map and
 * `platforms` agree on what a filter matches.
 *
 * Values are checked against the registry: an enum outside its values, or a district, domain,
 * zone or agency the registry does not have, is a 400 naming the parameter (a typo must not
 * read as "no platform matches").
 */
import type { Services } from "../../context";
import { PlatformKind, PlatformLevel, PlatformStatus } from "../platform/platform.enums";
import type { PlatformFilter } from "../platform/platform.inputs";

export const SCHEMA_JSON = "application/schema+json";
export const JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema";

/**
 * The queryables, in the order the document lists them. Each is a feature property of the same
 * name, and a query parameter of /items taking one value or a comma-separated list (any of them).
 */
export const QUERYABLES = ["district", "kind", "level", "status", "zone", "domains"] as const;
export type QueryableName = (typeof QUERYABLES)[number];

/** The PlatformFilter field each query parameter of /items sets; `domain` is an older name of `domains`. */
export const FILTER_FIELD_OF_PARAM = {
  district: "districts",
  kind: "kinds",
  level: "levels",
  status: "statuses",
  zone: "zone",
  domains: "domains",
  domain: "domains",
  agency: "agencies",
  q: "search",
  bbox: "bbox",
} as const satisfies Record<string, keyof PlatformFilter>;

/** What the registry holds, to list in the schema and to check values against. */
export interface ReferenceValues {
  districts: Array<{ code: string; nameEn: string; nameHans: string }>;
  domains: Array<{ id: string; nameEn: string }>;
}

export async function referenceValues(services: Services): Promise<ReferenceValues> {
  const [districts, domains] = await Promise.all([services.districts.list(), services.domains.list()]);
  return { districts, domains: [...domains].sort((a, b) => a.id.localeCompare(b.id)) };
}

const list = (what: string) => `One value, or several separated by commas (any of them matches); ${what}`;

/** JSON Schema (2020-12) of the queryables, as Part 3 asks: an object schema whose properties are the queryables. */
export function queryablesSchema(id: string, ref: ReferenceValues) {
  const properties: Record<QueryableName, Record<string, unknown>> = {
    district: {
      title: "District",
      description: list(
        `GB/T 2260 code of the Guangzhou district the platform lies in: ${ref.districts.map((d) => `${d.code} ${d.nameEn}`).join(", ")}. ` +
          "Platforms spanning districts, and overseas offices, have none.",
      ),
      type: "string",
      enum: ref.districts.map((d) => d.code),
    },
    kind: { title: "Kind", description: list("what kind of platform the plan names (any case)."), type: "string", enum: Object.values(PlatformKind) },
    level: {
      title: "Level",
      description: list("administrative level, where the name or the plan states it (any case)."),
      type: "string",
      enum: Object.values(PlatformLevel),
    },
    status: { title: "Construction status", description: list("construction status (any case)."), type: "string", enum: Object.values(PlatformStatus) },
    zone: {
      title: "Enclosing zone",
      description:
        "Id of a zone (itself a platform, e.g. guangzhou-hi-tech-industrial-development-zone). The feature property is the zone " +
        "that directly encloses the platform; as a filter, the parameter matches every platform inside the zone at any depth.",
      type: "string",
    },
    domains: {
      title: "Industry domains",
      description: list(
        "domain ids of the plan's industry-domain scheme. A platform matches when it is tagged with the domain or with one of its " +
          "subdomains (a group domain also matches its members), as GraphQL's PlatformFilter.domains does. " +
          "The parameter is also accepted as `domain`.",
      ),
      type: "array",
      items: { type: "string", enum: ref.domains.map((d) => d.id) },
    },
  };
  return {
    $schema: JSON_SCHEMA_DIALECT,
    $id: id,
    type: "object",
    title: "Innovation platforms",
    description:
      "Properties of the platforms collection that /collections/platforms/items filters on, each as a query parameter of the same name " +
      "(?district=440112&kind=LABORATORY). Given parameters combine with AND.",
    properties,
    additionalProperties: false,
  };
}

/**
 * The first value of the filter that names something the registry does not have, with the query
 * parameter it came from; null when every value is known. Reads only what the filter uses.
 */
export async function unknownValue(
  services: Services,
  filter: PlatformFilter,
  paramOf: (field: keyof PlatformFilter) => string,
): Promise<{ parameter: string; value: string; known?: string } | null> {
  const [districts, domains, agencies, zone] = await Promise.all([
    filter.districts?.length ? services.districts.list() : null,
    filter.domains?.length ? services.domains.list() : null,
    filter.agencies?.length ? services.agencies.list() : null,
    filter.zone ? services.platforms.findByIds([filter.zone]) : null,
  ]);
  const missing = (given: string[] | undefined, have: string[] | undefined) => (given && have ? given.find((v) => !have.includes(v)) : undefined);
  let v: string | undefined;
  if (
    districts &&
    (v = missing(
      filter.districts,
      districts.map((d) => d.code),
    ))
  ) {
    return { parameter: paramOf("districts"), value: v, known: districts.map((d) => d.code).join(", ") };
  }
  if (
    domains &&
    (v = missing(
      filter.domains,
      domains.map((d) => d.id),
    ))
  )
    return { parameter: paramOf("domains"), value: v };
  if (
    agencies &&
    (v = missing(
      filter.agencies,
      agencies.map((a) => a.id),
    ))
  )
    return { parameter: paramOf("agencies"), value: v };
  if (zone && !zone[0]) return { parameter: paramOf("zone"), value: filter.zone! };
  return null;
}
