/**
 * The Content-Security-Policy of the registry's own pages (/map, /desk): scripts, styles and data
 * from this server only, so text from the data can never run as code; no framing elsewhere.
 * `images` adds image sources (the map's basemap tiles are the user's choice of host).
 */
export function pageCsp(images: string[] = []): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    ["img-src 'self' data:", ...images].join(" "),
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'self'",
  ].join("; ");
}
