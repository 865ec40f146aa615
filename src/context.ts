/**
 * The composition of the services and the per-request context. The server (the composition root)
 * builds the services once and a Context per request; resolvers and routers receive them.
 *
 * The one import that runs back up the house ends here: modules import the types `Context` and
 * `Services` from this file (type-only, erased at build), because a resolver's parameter names the
 * context the root hands it. No module imports a value from here.
 */
import DataLoader from "dataloader";
import type { DataSource } from "typeorm";
import { createReader } from "./db/reader";
import { AgencyService } from "./modules/agency/agency.service";
import { authOf, type Auth } from "./modules/auth/auth";
import { TokenService, type Viewer } from "./modules/auth/token.service";
import { DistrictService } from "./modules/district/district.service";
import type { Domain } from "./modules/domain/domain.entity";
import { DomainService } from "./modules/domain/domain.service";
import { PlatformWriteService } from "./modules/platform/platform-write.service";
import { platformLoaderFactories, type PlatformLoaders } from "./modules/platform/platform.loaders";
import { PlatformService } from "./modules/platform/platform.service";
import type { ChangeBus } from "./db/change-bus";
import type { RequestState } from "./request-context";
import { StatusService } from "./modules/status/status.service";
import { StatusBatchService } from "./modules/status/status-batch.service";
import { StatusSheetService } from "./modules/status/status-sheet.service";
import { TargetService } from "./modules/target/target.service";
import { GeoService } from "./modules/geo/geo.service";
import { ClusterService } from "./modules/geo/clusters";
import { DistrictOutlineService, type OutlineInput } from "./modules/geo/outlines";
import { SearchInterpreter } from "./modules/platform/search-interpretation";
import { SourceSearchService } from "./modules/dataset/source-search";

/** Services are stateless and built once per server. */
export function createServices(
  ds: DataSource,
  hub: ChangeBus,
  options: { preparedStatements?: boolean; outlines?: { features: OutlineInput[]; attribution: string | null } | null } = {},
) {
  // Reads may go to a streaming replica; writes and their transactions always go to the primary.
  const reader = createReader(ds, options);
  const search = new SearchInterpreter(reader, hub);
  const districts = new DistrictService(reader);
  return {
    platforms: new PlatformService(reader, search),
    search,
    writes: new PlatformWriteService(ds),
    status: new StatusService(ds, reader),
    statusBatch: new StatusBatchService(ds),
    statusSheet: new StatusSheetService(ds),
    districts,
    /** District outlines from DISTRICT_OUTLINES; null without the file */
    outlines: options.outlines ? new DistrictOutlineService(options.outlines.features, districts, search, options.outlines.attribution) : null,
    domains: new DomainService(reader),
    agencies: new AgencyService(reader),
    targets: new TargetService(reader),
    geo: new GeoService(reader, search),
    clusters: new ClusterService(reader, search),
    tokens: new TokenService(ds),
    sourceSearches: new SourceSearchService(),
    hub,
  };
}
export type Services = ReturnType<typeof createServices>;

export type Loaders = PlatformLoaders & {
  /** Platform counts of districts, agencies and domains, asked for only when a query selects platformCount. */
  districtCount: DataLoader<string, number>;
  agencyCount: DataLoader<string, number>;
  domainCount: DataLoader<string, number>;
  allDomains: () => Promise<Map<string, Domain>>;
};

/** Per-request context: the request's state, who is asking, the services, and fresh DataLoaders (a cache never outlives its request). */
export interface Context {
  /** the request's state: its id, viewer, whether it wrote, its statement count (src/request-context.ts) */
  request: RequestState<Viewer>;
  services: Services;
  auth: Auth;
  loaders: Loaders;
  /** Fresh loaders for the rest of a long-lived request (a subscription reads each event afresh). */
  renewLoaders(): void;
}

/**
 * Each loader is made the first time a resolver asks for it: most requests use one or two of the
 * ten, and a request that reads no relation makes none. The getters
 * live on one prototype per set of services, so a request's loaders are one Object.create.
 */
export function createLoaders(services: Services): Loaders {
  let proto = loaderPrototypes.get(services);
  if (!proto) loaderPrototypes.set(services, (proto = lazyPrototype<Loaders>(loaderFactories(services))));
  return Object.create(proto) as Loaders;
}

const loaderPrototypes = new WeakMap<Services, object>();

function loaderFactories(services: Services): { [K in keyof Loaders]: () => Loaders[K] } {
  return {
    ...platformLoaderFactories(services.platforms, services.districts),
    districtCount: () => new DataLoader<string, number>((codes) => services.districts.countPlatforms(codes)),
    agencyCount: () => new DataLoader<string, number>((ids) => services.agencies.countPlatforms(ids)),
    domainCount: () => new DataLoader<string, number>((ids) => services.domains.countPlatforms(ids)),
    // The domain table is small: one read per request serves every tree navigation.
    allDomains: () => {
      let domains: Promise<Map<string, Domain>> | undefined;
      return () => (domains ??= services.domains.list().then((ds) => new Map(ds.map((d) => [d.id, d]))));
    },
  };
}

/** A prototype whose properties are made by their factory on first read from an object made from it, then kept on that object. */
function lazyPrototype<T extends object>(factories: { [K in keyof T]: () => T[K] }): object {
  const proto = {};
  for (const key of Object.keys(factories) as Array<keyof T & string>) {
    Object.defineProperty(proto, key, {
      configurable: true,
      enumerable: true,
      get(this: object) {
        const value = factories[key]();
        Object.defineProperty(this, key, { value, enumerable: true });
        return value;
      },
    });
  }
  return proto;
}

/** The context of a request, from its state (whose viewer the guards read on this request). */
export function createContext(services: Services, request: RequestState<Viewer>): Context {
  return {
    request,
    services,
    auth: authOf(request.viewer),
    loaders: createLoaders(services),
    renewLoaders() {
      this.loaders = createLoaders(services);
    },
  };
}
