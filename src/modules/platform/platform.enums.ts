import { registerEnumType } from "type-graphql";

/** What a platform is. The plan's vocabulary, one value per kind of place or institution. */
export enum PlatformKind {
  LABORATORY = "LABORATORY",
  BIG_SCIENCE_FACILITY = "BIG_SCIENCE_FACILITY",
  UNIVERSITY = "UNIVERSITY",
  RESEARCH_INSTITUTE = "RESEARCH_INSTITUTE",
  INNOVATION_CENTER = "INNOVATION_CENTER",
  TESTING_CENTER = "TESTING_CENTER",
  INNOVATION_ZONE = "INNOVATION_ZONE",
  HIGH_TECH_PARK = "HIGH_TECH_PARK",
  SCIENCE_TOWN = "SCIENCE_TOWN",
  INCUBATOR = "INCUBATOR",
  TECH_TRANSFER = "TECH_TRANSFER",
  INTERNATIONAL_COOPERATION = "INTERNATIONAL_COOPERATION",
  OVERSEAS_OFFICE = "OVERSEAS_OFFICE",
  OTHER = "OTHER",
}

export enum PlatformLevel {
  NATIONAL = "NATIONAL",
  PROVINCIAL = "PROVINCIAL",
  MUNICIPAL = "MUNICIPAL",
  DISTRICT = "DISTRICT",
}

/** Construction lifecycle: PLANNED → PREPARING → UNDER_CONSTRUCTION → TRIAL_OPERATION → OPERATIONAL; SUSPENDED and CANCELLED from any state. */
export enum PlatformStatus {
  PLANNED = "PLANNED",
  PREPARING = "PREPARING",
  UNDER_CONSTRUCTION = "UNDER_CONSTRUCTION",
  TRIAL_OPERATION = "TRIAL_OPERATION",
  OPERATIONAL = "OPERATIONAL",
  SUSPENDED = "SUSPENDED",
  CANCELLED = "CANCELLED",
}

/** How much a coordinate can be trusted. Nothing in the seed data is EXACT. */
export enum LocationPrecision {
  EXACT = "EXACT",
  APPROXIMATE = "APPROXIMATE",
  DISTRICT = "DISTRICT",
  CITY = "CITY",
}

/** How much of a date its source states: the day, or only the month or the year (the date is then the first day of it). */
export enum DatePrecision {
  DAY = "DAY",
  MONTH = "MONTH",
  YEAR = "YEAR",
}

registerEnumType(DatePrecision, { name: "DatePrecision", description: "How much of a date its source states; a MONTH or YEAR date is the first day of it" });
registerEnumType(PlatformKind, { name: "PlatformKind", description: "What kind of platform the plan names" });
registerEnumType(PlatformLevel, { name: "PlatformLevel", description: "Administrative level, where the name or the plan states it" });
registerEnumType(PlatformStatus, {
  name: "PlatformStatus",
  description: "Construction status. PREPARING is 籌建 (preparatory construction).",
});
registerEnumType(LocationPrecision, {
  name: "LocationPrecision",
  description:
    "EXACT: a surveyed point of the site; APPROXIMATE: the known site, approximated; DISTRICT: the district's centroid, only the district is known; CITY: a city-level point",
});
