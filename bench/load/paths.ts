// Reading figures out of result JSON by dotted path, for the report tables.

/** A value at a dotted path, as text ('—' when absent; arrays joined with ", "). */
export function at(r: unknown, path: string): string {
  let v: unknown = r;
  for (const k of path.split('.')) v = typeof v === 'object' && v !== null ? (v as Record<string, unknown>)[k] : undefined;
  if (v === undefined || v === null) return '—';
  if (Array.isArray(v)) return v.map((x: unknown) => (typeof x === 'number' ? String(x) : '—')).join(', ');
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v);
}
