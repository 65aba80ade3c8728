/**
 * A connection URL fit for messages and logs: any password replaced by ***
 * (postgres://user:secret@host/db -> postgres://user:***@host/db).
 */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparseable URL)';
  }
}
