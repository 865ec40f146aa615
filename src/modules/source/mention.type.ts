import { Field, Int, ObjectType } from "type-graphql";

/** A place in the plan: its section path, the verbatim excerpt, and where it starts. */
@ObjectType({ simpleResolvers: true, description: "A verbatim excerpt of the plan (seeds/source/plan.clean.txt) and its position" })
export class Mention {
  @Field({ description: "Section path, e.g. 二(一)2 = action (一), 2.主要任務" })
  section: string;

  @Field({ description: "The excerpt, verbatim from the source text" })
  excerpt: string;

  @Field(() => Int, { description: "0-based character offset of the excerpt in seeds/source/plan.clean.txt" })
  offset: number;
}
