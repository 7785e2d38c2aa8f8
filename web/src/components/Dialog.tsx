import { useEffect, useId, useRef, type KeyboardEvent, type ReactNode } from 'react';

interface Props {
  open: boolean;
  onClose: () => void;
  title: ReactNode;
  children: ReactNode;
  /** "drawer" slides in from the side. */
  variant?: 'dialog' | 'drawer';
  description?: ReactNode;
  /** Selector of the element to focus first; default: the first field or button. */
  initialFocus?: string;
  /** While busy, Escape and the close button do nothing. */
  busy?: boolean;
}

const focusable =
  'a[href], button:not([disabled]), input:not([disabled]):not([type="hidden"]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';

/**
 * Dialog is a modal <dialog>: the page behind is inert, Tab stays inside,
 * Escape and the close button close it, and focus returns to the control
 * that opened it.
 */
export function Dialog({ open, onClose, title, children, variant = 'dialog', description, initialFocus, busy }: Props) {
  const ref = useRef<HTMLDialogElement>(null);
  const opener = useRef<HTMLElement | null>(null);
  const titleID = useId();
  const descID = useId();

  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (open && !d.open) {
      opener.current = document.activeElement as HTMLElement | null;
      if (typeof d.showModal === 'function') d.showModal();
      else d.setAttribute('open', '');
      const first =
        (initialFocus && d.querySelector<HTMLElement>(initialFocus)) ||
        d.querySelector<HTMLElement>('.dialog__content ' + focusable.split(', ').join(', .dialog__content ')) ||
        d.querySelector<HTMLElement>(focusable);
      first?.focus();
    } else if (!open && d.open) {
      if (typeof d.close === 'function') d.close();
      else d.removeAttribute('open');
      opener.current?.focus?.();
    }
  }, [open, initialFocus]);

  // Close without leaving the dialog open when the component goes away.
  useEffect(() => {
    const d = ref.current;
    return () => {
      if (d?.open && typeof d.close === 'function') d.close();
    };
  }, []);

  function onKeyDown(e: KeyboardEvent<HTMLDialogElement>) {
    if (e.key !== 'Tab') return;
    const items = [...(ref.current?.querySelectorAll<HTMLElement>(focusable) ?? [])].filter(
      (el) => el.offsetParent !== null || el === document.activeElement,
    );
    if (items.length === 0) return;
    const first = items[0];
    const last = items[items.length - 1];
    if (e.shiftKey && document.activeElement === first) {
      e.preventDefault();
      last.focus();
    } else if (!e.shiftKey && document.activeElement === last) {
      e.preventDefault();
      first.focus();
    }
  }

  return (
    <dialog
      ref={ref}
      className={variant === 'drawer' ? 'dialog dialog--drawer' : 'dialog'}
      aria-labelledby={titleID}
      aria-describedby={description ? descID : undefined}
      onCancel={(e) => {
        e.preventDefault(); // Escape: close through React state
        if (!busy) onClose();
      }}
      onKeyDown={onKeyDown}
      onMouseDown={(e) => {
        if (e.target === ref.current && !busy) onClose(); // a click on the backdrop
      }}
    >
      {open && (
        <div className="dialog__panel">
          <header className="dialog__header">
            <h2 id={titleID}>{title}</h2>
            <button type="button" className="btn btn--ghost btn--icon" onClick={onClose} disabled={busy} aria-label="Close">
              <span aria-hidden="true">×</span>
            </button>
          </header>
          {description && (
            <p id={descID} className="dialog__description">
              {description}
            </p>
          )}
          <div className="dialog__content">{children}</div>
        </div>
      )}
    </dialog>
  );
}
