import { useEffect } from 'react';

/** usePageTitle sets the document's title: "Functions · berth". */
export function usePageTitle(title: string | null | undefined): void {
  useEffect(() => {
    if (title) document.title = `${title} · berth`;
  }, [title]);
}
