/** Dates as the registry counts them: ISO days in Guangzhou's time (UTC+8, no daylight saving). */

/** Today in Guangzhou (UTC+8, no daylight saving): the latest effective date allowed. */
export function todayInGuangzhou(now = new Date()): string {
  return new Date(now.getTime() + 8 * 3600_000).toISOString().slice(0, 10);
}

export function isValidDate(iso: string): boolean {
  const d = new Date(`${iso}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === iso;
}
