/**
 * What `--url` must look like: an http(s) URL whose last path segment is the API version. Graph serves nothing
 * at a bare origin, so `https://host:8443` would otherwise fail later with a 404 that does not say why.
 */
import { API_VERSIONS } from '../graph/versions.js';
import { UsageError } from '../util/usage-error.js';

/**
 * Returns when `url` (trailing slashes allowed) will do; otherwise a usage error, naming `flag` (the one the URL
 * came from: `--url`, `--against`…), that shows a URL that would.
 */
export function checkServiceUrl(url: string, example: string, flag = '--url'): void {
  let parsed: URL | undefined;
  try {
    parsed = /^https?:\/\/[^/]/i.test(url) ? new URL(url) : undefined;
  } catch {
    parsed = undefined;
  }
  if (parsed === undefined) throw new UsageError(`${flag} must be an http(s) URL such as ${example}, not '${url}'.`);
  const path = parsed.pathname.replace(/\/+$/, '');
  const version = path.slice(path.lastIndexOf('/') + 1);
  if (!(API_VERSIONS as readonly string[]).includes(version)) {
    const versions = API_VERSIONS.map((v) => `/${v}`);
    // The example keeps the user's own server, so the fix is one copy away.
    throw new UsageError(`${flag} must end in the API version, ${versions.slice(0, -1).join(', ')} or ${versions.at(-1)} ` +
      `(e.g. ${parsed.origin}${path}/beta), not '${url}'.`);
  }
}
