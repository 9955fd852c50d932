/** Number formats shared by the text report and the page. */

export function formatSeconds(seconds: number | undefined): string {
  if (seconds === undefined) return 'unknown';
  if (seconds < 120) return `${seconds.toFixed(seconds < 10 ? 1 : 0)} s`;
  const minutes = seconds / 60;
  return minutes < 120 ? `${minutes.toFixed(1)} min` : `${(minutes / 60).toFixed(2)} h`;
}

export function formatUsd(usd: number): string {
  if (usd === 0) return '$0.00';
  return usd < 0.01 ? `$${usd.toFixed(4)}` : `$${usd.toFixed(2)}`;
}

export function formatCount(n: number | undefined): string {
  return n === undefined ? 'unknown' : n.toLocaleString('en-US');
}

export function formatTime(ms: number | undefined): string {
  return ms === undefined ? 'unknown' : new Date(ms).toISOString().replace('.000Z', 'Z');
}

export function percent(part: number, whole: number | undefined): string {
  return whole ? ` (${((100 * part) / whole).toFixed(1)}%)` : '';
}
