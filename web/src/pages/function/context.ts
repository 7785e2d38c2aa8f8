import { useOutletContext } from 'react-router';
import type { Fn } from '../../api/types';

export interface FunctionContext {
  fn: Fn;
  /** setFn replaces the function after a change the server answered with. */
  setFn: (f: Fn) => void;
  /** reload reads the function again. */
  reload: () => Promise<void>;
}

export const useFunction = () => useOutletContext<FunctionContext>();
