import { IsBoolean, IsInt, IsNotEmpty, IsOptional, IsUrl, Matches, MaxLength, Min, ValidateNested } from "class-validator";
import { Field, ID, InputType, Int } from "type-graphql";
import { PlatformStatus } from "../platform/platform.enums";

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

@InputType({ description: "The document a change rests on" })
export class StatusSourceInput {
  @Field() @IsNotEmpty() @MaxLength(500) title: string;
  @Field(() => String, { nullable: true })
  @IsOptional()
  @MaxLength(2000)
  @IsUrl({ protocols: ["http", "https"], require_protocol: true }, { message: "source.url must be an http(s) URL" })
  url?: string | null;
  @Field(() => String, { nullable: true, description: "ISO date, YYYY-MM-DD" })
  @IsOptional()
  @Matches(ISO_DATE, { message: "source.publishedAt must be a date YYYY-MM-DD" })
  publishedAt?: string | null;
}

@InputType()
export class UpdatePlatformStatusInput {
  @Field(() => ID) @IsNotEmpty() @MaxLength(96) id: string;
  @Field(() => PlatformStatus) status: PlatformStatus;
  @Field({ description: "ISO date the status took effect, YYYY-MM-DD; not in the future" })
  @Matches(ISO_DATE, { message: "effectiveDate must be a date YYYY-MM-DD" })
  effectiveDate: string;
  @Field(() => String, { nullable: true }) @IsOptional() @MaxLength(2000) note?: string | null;
  @Field(() => StatusSourceInput, { nullable: true, description: "Required unless correction is true" })
  @IsOptional()
  @ValidateNested()
  source?: StatusSourceInput | null;
  @Field(() => Int, { description: "The version you read; a stale one gets CONFLICT" }) @IsInt() @Min(1) expectedVersion: number;
  @Field({ defaultValue: false, description: "An admin correction: may move backwards; recorded as such" })
  @IsBoolean()
  correction: boolean;
}
