import { IsBoolean, IsInt, IsNotEmpty, IsOptional, IsUrl, Matches, MaxLength, Min, ValidateBy, ValidateNested, type ValidationOptions } from "class-validator";
import { Field, ID, InputType, Int } from "type-graphql";
import { PlatformStatus } from "../platform/platform.enums";

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

// ---- text that was decoded with the wrong encoding -------------------------------------------
// U+FFFD is what a decoder writes for bytes it could not read; C0 and C1 control characters are what
// a single-byte decoder makes of UTF-8 or GBK. Neither belongs in a note or a title, and once stored
// the words are lost for good, so such text is refused where it enters (the API and every file).
// Tab, line feed and carriage return stay allowed: a spreadsheet cell may hold several lines.
// eslint-disable-next-line no-control-regex -- control characters are what it looks for
const GARBLED = /[\ufffd\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/;

/** The first character of `text` that shows a wrong decoding, as "U+FFFD at character 3"; null when clean. */
export function garbledAt(text: unknown): string | null {
  if (typeof text !== "string") return null;
  const i = text.search(GARBLED);
  if (i < 0) return null;
  return `U+${text.charCodeAt(i).toString(16).toUpperCase().padStart(4, "0")} at character ${i + 1}`;
}

/** Refuses text holding U+FFFD or a control character (see garbledAt). */
export function IsCleanText(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: "isCleanText",
      validator: {
        validate: (value) => garbledAt(value) === null,
        defaultMessage: (a) =>
          `${a?.property} holds ${garbledAt(a?.value)} (a replacement or control character): the text was probably read with the wrong encoding; save the file as UTF-8 or .xlsx, or retype it`,
      },
    },
    options,
  );
}

@InputType({ description: "The document a change rests on" })
export class StatusSourceInput {
  @Field() @IsNotEmpty() @MaxLength(500) @IsCleanText() title: string;
  @Field(() => String, { nullable: true })
  @IsOptional()
  @MaxLength(2000)
  @IsCleanText()
  @IsUrl({ protocols: ["http", "https"], require_protocol: true }, { message: "source.url must be an http(s) URL" })
  url?: string | null;
  @Field(() => String, { nullable: true, description: "ISO date, YYYY-MM-DD" })
  @IsOptional()
  @Matches(ISO_DATE, { message: "source.publishedAt must be a date YYYY-MM-DD" })
  publishedAt?: string | null;
}

@InputType()
export class UpdatePlatformStatusInput {
  @Field(() => ID) @IsNotEmpty() @MaxLength(96) @IsCleanText() id: string;
  @Field(() => PlatformStatus) status: PlatformStatus;
  @Field({ description: "ISO date the status took effect, YYYY-MM-DD; not in the future" })
  @Matches(ISO_DATE, { message: "effectiveDate must be a date YYYY-MM-DD" })
  effectiveDate: string;
  @Field(() => String, { nullable: true }) @IsOptional() @MaxLength(2000) @IsCleanText() note?: string | null;
  @Field(() => StatusSourceInput, { nullable: true, description: "Required unless correction is true" })
  @IsOptional()
  @ValidateNested()
  source?: StatusSourceInput | null;
  @Field(() => Int, { description: "The version you read; a stale one gets CONFLICT" }) @IsInt() @Min(1) expectedVersion: number;
  @Field({ defaultValue: false, description: "An admin correction: may move backwards; recorded as such" })
  @IsBoolean()
  correction: boolean;
}
