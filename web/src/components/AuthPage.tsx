import type { ReactNode } from 'react';

/** AuthPage is the frame of the pages before sign-in: the brand, a title, and what the page asks. */
export function AuthPage({ title, children }: { title: string; children: ReactNode }) {
  return (
    <main className="center-page">
      <div className="card card--narrow auth-form">
        <div className="auth-form__brand">
          <img src="/favicon.svg" alt="" width={32} height={32} />
          <span>berth</span>
        </div>
        <h1>{title}</h1>
        {children}
      </div>
    </main>
  );
}
