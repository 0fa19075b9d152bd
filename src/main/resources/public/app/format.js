// Formatting of times, durations, money and counts for people.

const MINUTE = 60_000, HOUR = 60 * MINUTE, DAY = 24 * HOUR;

/** "just now", "5 min ago", "3 h ago", "2 d ago", else a date. */
export function age(iso, now = Date.now()) {
  const ms = now - Date.parse(iso);
  if (ms < 45_000) return 'just now';
  if (ms < HOUR) return `${Math.round(ms / MINUTE)} min ago`;
  if (ms < DAY) return `${Math.round(ms / HOUR)} h ago`;
  if (ms < 14 * DAY) return `${Math.round(ms / DAY)} d ago`;
  return new Date(iso).toLocaleDateString();
}

/** 850 ms, 4.2 s, 3 min 12 s, 1 h 4 min. */
export function duration(ms) {
  if (ms == null || Number.isNaN(ms)) return '';
  if (ms < 1000) return `${Math.max(0, Math.round(ms))} ms`;
  if (ms < MINUTE) return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
  if (ms < HOUR) return `${Math.floor(ms / MINUTE)} min ${Math.round((ms % MINUTE) / 1000)} s`;
  return `${Math.floor(ms / HOUR)} h ${Math.round((ms % HOUR) / MINUTE)} min`;
}

/** $0.0042, $0.84, $12.30. */
export function usd(value) {
  if (value == null) return '';
  const digits = value < 0.01 ? 4 : 2;
  return `$${value.toFixed(digits)}`;
}

/** 950, 12.3k, 1.2M. */
export function count(n) {
  if (n == null) return '';
  if (n < 1000) return String(n);
  if (n < 1_000_000) return `${(n / 1000).toFixed(n < 10_000 ? 1 : 0)}k`;
  return `${(n / 1_000_000).toFixed(1)}M`;
}

/** 512 B, 3.4 KiB, 1.2 MiB. */
export function bytes(n) {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

/** A phase or reason on the wire ("setting_up") for people ("setting up"). */
export function words(wire) {
  return String(wire ?? '').replaceAll('_', ' ');
}

/** "owner/name" from a GitHub URL, the last path part of another URL or path. */
export function repoName(repo) {
  if (!repo) return 'empty workspace';
  const gh = repo.match(/github\.com[/:]([^/]+\/[^/]+?)(?:\.git)?\/?$/);
  if (gh) return gh[1];
  if (/^[\w.-]+\/[\w.-]+$/.test(repo)) return repo;
  return repo.replace(/\/+$/, '').split('/').pop().replace(/\.git$/, '');
}
