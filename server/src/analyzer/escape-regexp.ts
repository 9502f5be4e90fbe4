/** `text` as a literal inside a RegExp source: `$db` matches `$db`, `a.b` only `a.b`. */
export function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
