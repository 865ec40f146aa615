import { ArrayMaxSize, IsOptional, Matches, Max, MaxLength, Min, ValidateNested } from "class-validator";
import { Field, Float, ID, InputType, registerEnumType } from "type-graphql";
import { PlatformKind, PlatformLevel, PlatformStatus } from "./platform.enums";

export enum PlatformOrder {
  NAME = "NAME",
  STATUS = "STATUS",
  UPDATED_AT = "UPDATED_AT",
  DISTANCE = "DISTANCE",
  RELEVANCE = "RELEVANCE",
}
registerEnumType(PlatformOrder, {
  name: "PlatformOrder",
  description:
    "NAME: by the Simplified name's pinyin; STATUS: along the lifecycle, then name; UPDATED_AT: most recently changed first; DISTANCE: nearest first (needs filter.near); RELEVANCE: exact name, then prefix, then contains (needs filter.search)",
  valuesConfig: {
    NAME: { description: "By the Simplified name in pinyin (the default without search)" },
    RELEVANCE: { description: "Exact name match, then prefix, then contains; the default with search" },
  },
});

@InputType({ description: "A circle on the ground: platforms within radiusMeters of (lng, lat), WGS-84" })
export class NearInput {
  @Field(() => Float) @Min(-180) @Max(180) lng: number;
  @Field(() => Float) @Min(-90) @Max(90) lat: number;
  @Field(() => Float, { description: "At most 1,000,000 m" }) @Min(0) @Max(1_000_000) radiusMeters: number;
}

@InputType({ description: "Given fields combine with AND; a list matches any of its values" })
export class PlatformFilter {
  @Field({
    nullable: true,
    description: "Any name: Simplified, Traditional, English (any case), aliases, pinyin in full or by initials. At most 100 characters.",
  })
  @IsOptional()
  @MaxLength(100)
  search?: string;

  @Field(() => [PlatformKind], { nullable: true }) @IsOptional() @ArrayMaxSize(50) kinds?: PlatformKind[];
  @Field(() => [PlatformLevel], { nullable: true }) @IsOptional() @ArrayMaxSize(50) levels?: PlatformLevel[];
  @Field(() => [PlatformStatus], { nullable: true }) @IsOptional() @ArrayMaxSize(50) statuses?: PlatformStatus[];

  @Field(() => [String], { nullable: true, description: "GB/T 2260 district codes, e.g. 440112 (Huangpu)" })
  @IsOptional()
  @ArrayMaxSize(50)
  @Matches(/^\d{6}$/, { each: true, message: "districts must be 6-digit GB/T 2260 codes" })
  districts?: string[];

  @Field(() => ID, { nullable: true, description: "Platforms inside this zone, at any depth" })
  @IsOptional()
  @MaxLength(96)
  zone?: string;

  @Field(() => [ID], { nullable: true, description: "Domain ids; a parent or group domain also matches its subdomains and members" })
  @IsOptional()
  @ArrayMaxSize(50)
  domains?: string[];

  @Field(() => [ID], { nullable: true, description: "Responsible agency ids" })
  @IsOptional()
  @ArrayMaxSize(50)
  agencies?: string[];

  @Field(() => [Float], { nullable: true, description: "[minLng, minLat, maxLng, maxLat], WGS-84" })
  @IsOptional()
  bbox?: number[];

  @Field(() => NearInput, { nullable: true })
  @IsOptional()
  @ValidateNested()
  near?: NearInput;

  @Field({ nullable: true, defaultValue: false, description: "Include archived platforms" })
  @IsOptional()
  includeArchived?: boolean;
}
