import "reflect-metadata";
import { isObjectType, type GraphQLFieldResolver, type GraphQLSchema } from "graphql";
import { validateOrReject, type ValidatorOptions } from "class-validator";
import { ArgumentValidationError, buildSchema, getMetadataStorage, type PubSub } from "type-graphql";
import { PlatformConnectionResolver, PlatformResolver, StatusEventResolver } from "./modules/platform/platform.resolver";
import { AgencyResolver } from "./modules/agency/agency.resolver";
import { DistrictResolver } from "./modules/district/district.resolver";
import { TargetResolver } from "./modules/target/target.resolver";
import { DomainResolver } from "./modules/domain/domain.resolver";
import { GeoResolver } from "./modules/geo/geo.resolver";
import { PlatformWriteResolver } from "./modules/platform/platform-write.resolver";
import { StatusResolver } from "./modules/status/status.resolver";
import { StatusBatchResolver } from "./modules/status/status-batch.resolver";
import { ViewerResolver, ViewerScopeResolver } from "./modules/auth/viewer.resolver";
import { GraphQLDateTime } from "graphql-scalars";

export const resolvers = [
  PlatformResolver,
  PlatformConnectionResolver,
  StatusEventResolver,
  DistrictResolver,
  AgencyResolver,
  TargetResolver,
  DomainResolver,
  GeoResolver,
  PlatformWriteResolver,
  StatusResolver,
  StatusBatchResolver,
  ViewerResolver,
  ViewerScopeResolver,
] as const;

/** type-graphql's own defaults for class-validator (skipMissingProperties, as partial inputs are allowed). */
const VALIDATOR_OPTIONS: ValidatorOptions = { forbidUnknownValues: false, skipMissingProperties: true };
const isObject = (v: unknown): v is object => v !== null && typeof v === "object";

/**
 * Validates an argument with class-validator exactly as type-graphql's `validate` option does (input
 * objects only, each item of a list, ArgumentValidationError on failure), with class-validator
 * imported once: type-graphql's own path calls require("class-validator") for every object
 * argument of every request, which resolves the module again each time.
 */
export async function validateArgument(value: unknown): Promise<void> {
  if (!isObject(value)) return;
  try {
    if (Array.isArray(value)) await Promise.all(value.filter(isObject).map((item) => validateOrReject(item, VALIDATOR_OPTIONS)));
    else await validateOrReject(value, VALIDATOR_OPTIONS);
  } catch (err) {
    throw new ArgumentValidationError(err as ConstructorParameters<typeof ArgumentValidationError>[0]);
  }
}

/** type-graphql validates inputs only when asked: every input object goes through class-validator's rules. */
export async function createSchema(pubSub: PubSub): Promise<GraphQLSchema> {
  const schema = await buildSchema({
    pubSub,
    resolvers: [...resolvers],
    validateFn: validateArgument,
    // RFC 3339 date-times, named DateTime
    scalarsMap: [{ type: Date, scalar: GraphQLDateTime }],
    emitSchemaFile: false,
  });
  callFieldResolversDirectly(schema);
  return schema;
}

type Param = "root" | "context" | "info";
const DIRECT_PARAMS: ReadonlySet<string> = new Set<Param>(["root", "context", "info"]);

/**
 * type-graphql calls every field resolver through a wrapper made for middlewares, auth rules and
 * argument validation: each call builds a resolver-data object, sorts and maps the parameter list
 * and converts the root to its class. The registry has none of them (tests/architecture), so a
 * field resolver of an object type whose parameters are only @Root, @Ctx and @Info is called
 * directly, with the same parameters: a page of 50 platforms calls four of them per platform.
 * A root that is not an instance of the type (type-graphql would copy it into one) still goes
 * through the wrapper, and so do resolvers that take arguments.
 */
function callFieldResolversDirectly(schema: GraphQLSchema): void {
  const storage = getMetadataStorage();
  for (const r of storage.fieldResolvers) {
    const typeClass = r.getObjectType?.();
    const typeName = storage.objectTypes.find((o) => o.target === typeClass)?.name;
    const type = typeName ? schema.getType(typeName) : undefined;
    const field = isObjectType(type) ? type.getFields()[r.schemaName] : undefined;
    if (!field?.resolve || !typeClass || r.kind !== "external" || r.middlewares?.length || r.roles?.length) continue;
    const params = [...(r.params ?? [])].sort((a, b) => a.index - b.index);
    if (params.some((p) => !DIRECT_PARAMS.has(p.kind) || ("propertyName" in p && p.propertyName))) continue;
    const kinds = params.map((p) => p.kind as Param);
    const instance: Record<string, (...a: unknown[]) => unknown> = new (r.target as new () => never)();
    const method = instance[r.methodName];
    const wrapped = field.resolve;
    const direct: GraphQLFieldResolver<unknown, unknown> = (root, args, ctx, info) =>
      root instanceof typeClass
        ? method.apply(
            instance,
            kinds.map((k) => (k === "root" ? root : k === "context" ? ctx : info)),
          )
        : wrapped(root, args, ctx, info);
    field.resolve = direct;
  }
}
