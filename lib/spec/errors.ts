/** Spec errors: one issue per problem, each with its source position, collected into one exception. */

/** One problem in a spec, located in the file that contains it. */
export interface SpecIssue {
  /** File that contains the offending text, or `--set` for a command-line override. */
  file: string;
  /** 1-based line (for `--set`, the ordinal of the override). */
  line: number;
  /** 1-based column. */
  column: number;
  /** Dotted key path, e.g. `arms.1.dpo.beta`; empty for the document root. */
  path: string;
  /** What is wrong, with the offending value. */
  message: string;
  /** What is allowed or how to fix it. */
  hint?: string;
  /** Text of the offending line, shown with a caret under `column`. */
  source?: string;
}

/** Render one issue as `file:line:col: path: message`, the source line with a caret, and the hint. */
export function formatIssue(issue: SpecIssue): string {
  const where = `${issue.file}:${issue.line}:${issue.column}`;
  const head = issue.path ? `${where}: ${issue.path}: ${issue.message}` : `${where}: ${issue.message}`;
  const lines = [head];
  if (issue.source !== undefined) {
    const gutter = String(issue.line).padStart(5);
    const text = issue.source.replace(/\t/g, " ");
    lines.push(`${gutter} | ${text}`);
    lines.push(`${" ".repeat(gutter.length)} | ${" ".repeat(Math.max(0, issue.column - 1))}^`);
  }
  if (issue.hint) lines.push(`  hint: ${issue.hint}`);
  return lines.join("\n");
}

/** Every problem found in a spec, thrown by the loader after checking the whole spec. */
export class SpecError extends Error {
  readonly issues: SpecIssue[];

  constructor(issues: SpecIssue[]) {
    const count = issues.length;
    const first = count > 0 ? formatIssue(issues[0]).split("\n")[0] : "no details";
    super(count === 1 ? `invalid spec: ${first}` : `invalid spec (${count} problems), first: ${first}`);
    this.name = "SpecError";
    this.issues = issues;
  }

  /** Render every issue, sorted by file and position, separated by blank lines. */
  format(): string {
    const sorted = sortIssues(this.issues);
    const noun = sorted.length === 1 ? "problem" : "problems";
    return `${sorted.map(formatIssue).join("\n\n")}\n\n${sorted.length} ${noun} found.`;
  }
}

/** Sort issues by file, line and column, and drop exact duplicates. */
export function sortIssues(issues: readonly SpecIssue[]): SpecIssue[] {
  const seen = new Set<string>();
  const unique: SpecIssue[] = [];
  for (const issue of issues) {
    const key =
      `${issue.file}\u0000${issue.line}\u0000${issue.column}\u0000${issue.path}\u0000${issue.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    unique.push(issue);
  }
  return unique.sort((a, b) => {
    if (a.file !== b.file) return a.file < b.file ? -1 : 1;
    return a.line - b.line || a.column - b.column;
  });
}

/** Compute the Levenshtein edit distance between two strings. */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min(previous[j] + 1, current[j - 1] + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length];
}

/**
 * Return the candidate closest to `word` by edit distance, or undefined when none is close. A candidate
 * counts as close within 2 edits, or within a third of the word's length for longer words.
 */
export function closestMatch(word: string, candidates: Iterable<string>): string | undefined {
  const limit = Math.max(2, Math.floor(word.length / 3));
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const distance = editDistance(word.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return bestDistance <= limit ? best : undefined;
}

/** Build a hint that suggests the closest candidate and lists all of them. */
export function suggestionHint(word: string, candidates: readonly string[], noun: string): string {
  const closest = closestMatch(word, candidates);
  const list = `allowed ${noun}: ${candidates.join(", ")}`;
  return closest ? `did you mean "${closest}"? ${list}` : list;
}
