import { createContext, useCallback, useContext, useMemo, useRef, useState, type ReactNode } from 'react';

type Kind = 'success' | 'info' | 'error';
interface Toast {
  id: number;
  kind: Kind;
  text: string;
}

interface ToastAPI {
  notify: (text: string, kind?: Kind) => void;
}

const ToastContext = createContext<ToastAPI>({ notify: () => {} });

/** useToast returns notify(text, kind): a short message, announced politely. */
export const useToast = () => useContext(ToastContext);

export function ToastProvider({ children }: { children: ReactNode }) {
  const [toasts, setToasts] = useState<Toast[]>([]);
  const next = useRef(1);

  const dismiss = useCallback((id: number) => setToasts((ts) => ts.filter((t) => t.id !== id)), []);
  const notify = useCallback(
    (text: string, kind: Kind = 'success') => {
      const id = next.current++;
      setToasts((ts) => [...ts.slice(-2), { id, kind, text }]);
      window.setTimeout(() => dismiss(id), kind === 'error' ? 10000 : 4000);
    },
    [dismiss],
  );
  const api = useMemo(() => ({ notify }), [notify]);

  return (
    <ToastContext.Provider value={api}>
      {children}
      <div className="toasts" role="status" aria-live="polite">
        {toasts.map((t) => (
          <div key={t.id} className={`toast toast--${t.kind}`}>
            <span>{t.text}</span>
            <button type="button" className="btn btn--ghost btn--icon" onClick={() => dismiss(t.id)} aria-label="Dismiss">
              <span aria-hidden="true">×</span>
            </button>
          </div>
        ))}
      </div>
    </ToastContext.Provider>
  );
}
