import type { Lang } from './i18n';

/** Dates and durations as the portal shows them: in the deployment's time zone and the reader's language. */
export interface Formatter {
  dateTime(iso: string | null | undefined): string;
  /** "2 h 05 min" for a number of milliseconds (sign ignored). */
  duration(ms: number): string;
}

export function formatter(lang: Lang, timeZone: string): Formatter {
  const dates = new Intl.DateTimeFormat(lang === 'sv' ? 'sv-SE' : 'en-GB', {
    timeZone,
    dateStyle: 'medium',
    timeStyle: 'short',
  });
  return {
    dateTime: (iso) => (iso ? dates.format(new Date(iso)) : '—'),
    duration(ms) {
      const minutes = Math.floor(Math.abs(ms) / 60_000);
      const days = Math.floor(minutes / 1440);
      const hours = Math.floor((minutes % 1440) / 60);
      const rest = minutes % 60;
      const d = lang === 'sv' ? 'd' : 'd';
      if (days > 0) return `${days} ${d} ${hours} h`;
      if (hours > 0) return `${hours} h ${String(rest).padStart(2, '0')} min`;
      return `${rest} min`;
    },
  };
}
