/** Parses `45s`, `30m`, `12h`, `90d`, `2w` into milliseconds; null if it is not such a duration. */
export function parseDuration(text: string): number | null {
  const match = /^(\d+)\s*(s|m|h|d|w)$/.exec(text.trim());
  if (!match) return null;
  const unit = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 }[
    match[2] as 's' | 'm' | 'h' | 'd' | 'w'
  ];
  return Number(match[1]) * unit;
}
