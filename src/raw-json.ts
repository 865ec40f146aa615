/**
 * JSON that is already text: a value PostgreSQL built as JSON (a GeoJSON FeatureCollection of a
 * thousand features, say) goes into the HTTP answer as it came, with no JSON.parse in Node and no
 * second serialisation. A resolver returns `new RawJson(text)` for a JSON-scalar field; Apollo
 * serialises results with `stringifyWithRaw`, which splices the text in. Any other serialiser
 * (graphql-ws, res.json) gets the parsed value from toJSON: correct, only slower.
 */
import { randomUUID } from "node:crypto";

// Stands in for each raw value during stringifyWithRaw. Random per process, so it cannot occur in
// data: it is written as a JSON string, and the splice replaces only "<nonce>:<n>" in quotes.
const NONCE = `rawjson-${randomUUID()}`;
const MARKER = new RegExp(`"${NONCE}:(\\d+)"`, "g");

/** The texts met by the stringifyWithRaw running now (JSON.stringify is synchronous: one at a time). */
let collecting: string[] | null = null;

export class RawJson {
  /** `text` must be one complete JSON value (the caller's SQL built it). */
  constructor(readonly text: string) {}

  toJSON(): unknown {
    if (!collecting) return JSON.parse(this.text);
    collecting.push(this.text);
    return `${NONCE}:${collecting.length - 1}`;
  }
}

/** JSON.stringify, with every RawJson's text spliced in where it stands. */
export function stringifyWithRaw(value: unknown): string {
  const raws: string[] = [];
  collecting = raws;
  let text: string;
  try {
    text = JSON.stringify(value);
  } finally {
    collecting = null;
  }
  return raws.length ? text.replace(MARKER, (_m, i: string) => raws[Number(i)]) : text;
}
