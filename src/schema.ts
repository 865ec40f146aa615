import "reflect-metadata";
import type { GraphQLSchema } from "graphql";
import { validateOrReject, type ValidatorOptions } from "class-validator";
import { ArgumentValidationError, buildSchema, type PubSub } from "type-graphql";
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
export function createSchema(pubSub: PubSub): Promise<GraphQLSchema> {
  return buildSchema({
    pubSub,
    resolvers: [...resolvers],
    validateFn: validateArgument,
    // RFC 3339 date-times, named DateTime
    scalarsMap: [{ type: Date, scalar: GraphQLDateTime }],
    emitSchemaFile: false,
  });
}
