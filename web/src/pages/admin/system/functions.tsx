import { createContext, useContext } from 'react';
import { Link } from 'react-router';
import { functions } from '../../../api';
import type { Fn } from '../../../api/types';
import { useAsync } from '../../../lib/useAsync';

/** How many functions the page names: one page of the list, which for an admin holds everyone's. */
export const namedFunctions = 100;

/**
 * useFunctionList reads the first page of every account's functions: the
 * names of the ids that errors and log lines carry, and the choices of the
 * logs' function filter.
 */
export function useFunctionList() {
  return useAsync((signal) => functions.list({ per_page: namedFunctions }, signal), []);
}

/** FunctionNames maps function ids to names; an id it lacks is shown shortened. */
export const FunctionNames = createContext<ReadonlyMap<string, Fn>>(new Map());

/**
 * FunctionLink names a function and opens it (admins may read every
 * function, viewers included); to is a path under it, such as "executions".
 */
export function FunctionLink({ id, to = '' }: { id: string; to?: string }) {
  const fn = useContext(FunctionNames).get(id);
  return (
    <Link to={`/functions/${encodeURIComponent(id)}${to && '/' + to}`} title={fn ? id : `Function ${id}`} data-function={id}>
      {fn ? fn.name : id.slice(0, 8)}
    </Link>
  );
}
