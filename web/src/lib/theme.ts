// Themes: light, dark, or the system's, applied as data-theme on <html>
// (the CSS variables in styles/base.css follow it). The choice is saved in
// the user's preferences; a copy in localStorage avoids a flash at start.
import type { Theme } from '../api/types';

const storageKey = 'berth.theme';

export function storedTheme(): Theme {
  try {
    const t = localStorage.getItem(storageKey);
    if (t === 'light' || t === 'dark' || t === 'system') return t;
  } catch {
    /* storage may be unavailable */
  }
  return 'system';
}

let media: MediaQueryList | null = null;
let listener: (() => void) | null = null;

/** applyTheme sets the theme now and, for "system", follows the OS. */
export function applyTheme(theme: Theme): void {
  try {
    localStorage.setItem(storageKey, theme);
  } catch {
    /* not essential */
  }
  const root = document.documentElement;
  if (media && listener) media.removeEventListener('change', listener);
  media = listener = null;
  if (theme === 'system' && typeof matchMedia === 'function') {
    media = matchMedia('(prefers-color-scheme: dark)');
    listener = () => {
      root.dataset.theme = media!.matches ? 'dark' : 'light';
    };
    media.addEventListener('change', listener);
    listener();
  } else {
    root.dataset.theme = theme === 'system' ? 'light' : theme;
  }
  root.dataset.themeChoice = theme;
}
