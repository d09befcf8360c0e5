/** Splits a comma-separated flag (`--scopes a,b`) into its non-empty, trimmed items. */
export function parseList(text: string): string[] {
  return text
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
}
