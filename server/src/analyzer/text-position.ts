// Offsets to 1-based line and column, for files the analyzer reads as text (config, migrations)
// and for front ends that kept only a file's text.

/** Offset of the first character of every line. */
export function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) if (text[i] === "\n") starts.push(i + 1);
  return starts;
}

/** 1-based line and column (UTF-16 units) of an offset, by binary search over the line starts. */
export function positionAt(starts: readonly number[], offset: number): { line: number; column: number } {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid] <= offset) lo = mid;
    else hi = mid - 1;
  }
  return { line: lo + 1, column: offset - starts[lo] + 1 };
}

/**
 * File names that say nothing on their own in a framework's tree (`app/api/links/[id]/route.ts`),
 * or in one folder per operation (latitude's `services/apiKeys/destroy.ts`).
 */
const GENERIC_FILE =
  /^(?:\+?(?:route|page|layout|index|handler|server|main|actions?|loader)(?:\.server)?|create|update|destroy|delete|remove|get|list|show|edit|upsert|service|controller|queries|utils|helpers)$/i;

/**
 * How a message names another file: its base name, with the directories above it while the name
 * says nothing on its own (`links/[linkId]/route.ts`, not every handler's `route.ts`).
 */
export function fileLabel(fileName: string): string {
  const parts = fileName.split(/[\\/]/).filter(Boolean);
  const label = [parts.pop() ?? fileName];
  const vague = (segment: string) =>
    GENERIC_FILE.test(segment.replace(/\.[^.]+$/, "")) || /^[[(].*[\])]$/.test(segment);
  while (parts.length && label.length < 4 && vague(label[0]!)) label.unshift(parts.pop()!);
  return label.join("/");
}
