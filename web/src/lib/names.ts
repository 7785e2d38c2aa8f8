// Names berth accepts, checked as people type. The server has the last
// word; these say what is wrong in words before a request is made.

const dnsLabel = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

/** functionNameProblem says what is wrong with a function name, or null. */
export function functionNameProblem(name: string): string | null {
  if (name === '') return 'Enter a name.';
  if (name.length > 63) return `Use at most 63 characters (this has ${name.length}).`;
  if (/[A-Z]/.test(name)) return 'Use lower-case letters only.';
  const bad = [...new Set(name.replace(/[a-z0-9-]/g, ''))];
  if (bad.length) {
    const shown = bad.map((c) => (c === ' ' ? 'spaces' : `“${c}”`)).join(', ');
    return `Use only a–z, 0–9 and hyphens; not ${shown}.`;
  }
  if (name.startsWith('-') || name.endsWith('-')) return 'Start and end with a letter or a digit, not a hyphen.';
  return dnsLabel.test(name) ? null : 'Use a lower-case DNS label: a–z, 0–9 and hyphens.';
}

const envName = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;
const reservedEnv =
  /^(REQUEST_METHOD|PATH_INFO|QUERY_STRING|CONTENT_TYPE|CONTENT_LENGTH|SERVER_.*|REMOTE_.*|GATEWAY_INTERFACE|SCRIPT_NAME|HTTP_.*|BERTH_.*)$/;

/** envNameProblem says what is wrong with a variable or secret name, or null. */
export function envNameProblem(name: string): string | null {
  if (name === '') return 'Enter a name.';
  if (!envName.test(name)) {
    if (/^[0-9]/.test(name)) return `${name} starts with a digit; start with a letter or “_”.`;
    if (name.length > 128) return 'Use at most 128 characters.';
    return `${name} may hold only letters, digits and “_”.`;
  }
  if (reservedEnv.test(name.toUpperCase())) {
    return `${name} is set by berth for every call (CGI variables, HTTP_*, BERTH_*); choose another name.`;
  }
  return null;
}
