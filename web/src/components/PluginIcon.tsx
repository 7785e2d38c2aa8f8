/**
 * iconURL is a plugin's icon address when it is safe to show: http(s) or
 * a path on this site. Anything else (javascript:, data:, blob:) is null.
 */
export function iconURL(icon: string | undefined, base = window.location.origin): string | null {
  if (!icon?.trim()) return null;
  try {
    const u = new URL(icon.trim(), base);
    return u.protocol === 'https:' || u.protocol === 'http:' ? u.href : null;
  } catch {
    return null;
  }
}

/** PluginIcon is a plugin's icon, decorative beside its name; nothing when there is none. */
export function PluginIcon({ icon, size = 32 }: { icon?: string; size?: 32 | 48 }) {
  const src = iconURL(icon);
  if (!src) return null;
  return (
    <img className={`plugin-icon plugin-icon--${size}`} src={src} alt="" width={size} height={size} loading="lazy"
      referrerPolicy="no-referrer" />
  );
}
