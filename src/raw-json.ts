/**
 * JSON that is already text: a value PostgreSQL built as JSON (a GeoJSON FeatureCollection of a
 * thousand features, say) goes into the HTTP answer as it came, with no JSON.parse in Node and no
 * second serialisation. A resolver returns `new RawJson(text)` for a JSON-scalar field; Apollo
 * serialises results with `stringifyResult` below, which splices the text in; graphql-ws, which
 * serialises on its own, gets `rawJsonReplacer` (it parses the text: a rare path).
 */
import { randomUUID } from "node:crypto";

export class RawJson {
  /** `text` must be one complete JSON value (the caller's SQL built it). */
  constructor(readonly text: string) {}
}

// Stands in for each raw value during JSON.stringify. Random per process, so it cannot occur in
// data: it is written as a JSON string, and the splice replaces only "<nonce>:<n>" in quotes.
const NONCE = `rawjson-${randomUUID()}`;
const MARKER = new RegExp(`"${NONCE}:(\\d+)"`, "g");

/** JSON.stringify, with every RawJson's text spliced in where it stands. */
export function stringifyWithRaw(value: unknown): string {
  const raws: string[] = [];
  const text = JSON.stringify(value, (_key: string, v: unknown) => {
    if (v instanceof RawJson) {
      raws.push(v.text);
      return `${NONCE}:${raws.length - 1}`;
    }
    return v;
  });
  return raws.length ? text.replace(MARKER, (_m, i: string) => raws[Number(i)]) : text;
}

/** For serialisers that cannot splice (graphql-ws): a RawJson becomes its parsed value. */
export function rawJsonReplacer(_key: string, v: unknown): unknown {
  return v instanceof RawJson ? JSON.parse(v.text) : v;
}
