// Parsing for the invoke panel: headers typed as "Name: value" lines.

const token = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

export interface ParsedHeaders {
  headers: Array<[string, string]>;
  problems: string[];
}

/** parseHeaders reads one "Name: value" per line; blank lines are skipped. */
export function parseHeaders(text: string): ParsedHeaders {
  const headers: Array<[string, string]> = [];
  const problems: string[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (!line) return;
    const at = line.indexOf(':');
    if (at <= 0) {
      problems.push(`Line ${i + 1} is not a header: write it as Name: value.`);
      return;
    }
    const name = line.slice(0, at).trim();
    const value = line.slice(at + 1).trim();
    if (!token.test(name)) {
      problems.push(`Line ${i + 1}: “${name}” is not a valid header name.`);
      return;
    }
    if (/^(authorization|cookie|x-berth-.*)$/i.test(name)) {
      problems.push(`Line ${i + 1}: berth removes ${name} before the function sees it; leave it out.`);
      return;
    }
    headers.push([name, value]);
  });
  return { headers, problems };
}

/** isText says whether a response body of this type can be shown as text. */
export function isText(contentType: string): boolean {
  const t = contentType.toLowerCase();
  return t === '' || t.startsWith('text/') || /json|xml|javascript|x-www-form-urlencoded|csv|yaml|toml/.test(t);
}
