import { ArrayMaxSize, IsBoolean, IsInt, IsNotEmpty, IsOptional, Matches, Max, MaxLength, Min, ValidateNested } from "class-validator";
import { Field, Float, ID, InputType, Int } from "type-graphql";
import { StatusSourceInput } from "../status/status.inputs";
import { LocationPrecision, PlatformKind, PlatformLevel, PlatformStatus } from "./platform.enums";

@InputType({ description: "A point and its precision. DISTRICT takes the district's centroid: give no lng/lat" })
export class LocationInput {
  @Field(() => Float, { nullable: true }) @IsOptional() @Min(-180) @Max(180) lng?: number | null;
  @Field(() => Float, { nullable: true }) @IsOptional() @Min(-90) @Max(90) lat?: number | null;
  @Field(() => LocationPrecision) precision: LocationPrecision;
}

@InputType()
export class OverseasInput {
  @Field() @IsNotEmpty() @MaxLength(200) city: string;
  @Field({ description: "ISO 3166-1 alpha-2" }) @Matches(/^[A-Z]{2}$/) country: string;
}

@InputType({ description: "A verbatim excerpt of seeds/source/plan.clean.txt at its offset" })
export class MentionInput {
  @Field() @IsNotEmpty() @MaxLength(40) section: string;
  @Field() @IsNotEmpty() @MaxLength(2000) excerpt: string;
  @Field(() => Int) @IsInt() @Min(0) offset: number;
}

/** The descriptive fields, shared by create and update (all optional on update). */

@InputType("PlatformFieldsInput", { description: "Descriptive fields shared by createPlatform and updatePlatform" })
class PlatformFields {
  @Field({ nullable: true }) @IsOptional() @IsNotEmpty() @MaxLength(300) nameHant?: string;
  @Field({ nullable: true }) @IsOptional() @IsNotEmpty() @MaxLength(300) nameHans?: string;
  @Field({ nullable: true }) @IsOptional() @IsNotEmpty() @MaxLength(500) nameEn?: string;
  @Field({ nullable: true }) @IsOptional() @IsBoolean() nameEnEstablished?: boolean;
  @Field(() => [String], { nullable: true }) @IsOptional() @ArrayMaxSize(50) @MaxLength(300, { each: true }) aliases?: string[];
  @Field(() => PlatformKind, { nullable: true }) @IsOptional() kind?: PlatformKind;
  @Field(() => PlatformLevel, { nullable: true }) @IsOptional() level?: PlatformLevel | null;
  @Field(() => [ID], { nullable: true }) @IsOptional() @ArrayMaxSize(50) domains?: string[];
  @Field(() => [ID], { nullable: true, description: "Lead agency first" }) @IsOptional() @ArrayMaxSize(50) agencies?: string[];
  @Field(() => String, { nullable: true, description: "GB/T 2260 code; null for none" }) @IsOptional() @Matches(/^\d{6}$/) district?: string | null;
  @Field(() => OverseasInput, { nullable: true }) @IsOptional() @ValidateNested() overseas?: OverseasInput | null;
  @Field(() => ID, { nullable: true }) @IsOptional() @MaxLength(96) zone?: string | null;
  @Field(() => LocationInput, { nullable: true }) @IsOptional() @ValidateNested() location?: LocationInput | null;
  @Field(() => String, { nullable: true, description: "Where the point comes from, or why there is none" })
  @IsOptional()
  @MaxLength(2000)
  locationNote?: string | null;
  @Field(() => String, { nullable: true }) @IsOptional() @MaxLength(4000) note?: string | null;
  @Field(() => [MentionInput], { nullable: true }) @IsOptional() @ArrayMaxSize(50) @ValidateNested({ each: true }) mentions?: MentionInput[];
}

@InputType({ description: "A platform the plan names. Same rules as the seed loader." })
export class CreatePlatformInput extends PlatformFields {
  @Field(() => ID, { description: "Readable kebab-case slug; never changes" }) @IsNotEmpty() @MaxLength(96) id: string;
  @Field(() => PlatformStatus) status: PlatformStatus;
  @Field({ description: "ISO date of the initial status" }) @Matches(/^\d{4}-\d{2}-\d{2}$/) effectiveDate: string;
  @Field(() => StatusSourceInput, { nullable: true, description: "Default: the plan" }) @IsOptional() @ValidateNested() source?: StatusSourceInput | null;
}

@InputType({ description: "Change a platform's descriptive fields. Given fields replace; status has its own mutation." })
export class UpdatePlatformInput extends PlatformFields {
  @Field(() => ID) @IsNotEmpty() @MaxLength(96) id: string;
  @Field(() => Int) @IsInt() @Min(1) expectedVersion: number;
}
