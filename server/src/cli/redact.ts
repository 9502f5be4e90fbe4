// Error messages can quote a database URL or a libpq connection string (from a config,
// an environment variable, a driver error). Everything the CLI prints goes through here.

const URL_CREDENTIALS = /([a-z][a-z0-9+.-]*:\/\/[^\s:/@]*:)[^\s@/]+@/gi;
const KEY_VALUE_PASSWORD = /\b((?:password|passwd|pgpassword)\s*[=:]\s*)('[^']*'|"[^"]*"|[^\s;&]+)/gi;

/** Replaces passwords in connection strings with `***`; leaves everything else as it was. */
export function redactSecrets(text: string): string {
  return text.replace(URL_CREDENTIALS, "$1***@").replace(KEY_VALUE_PASSWORD, "$1***");
}
