// zod's issues in the words a user reads, for every entry point (readings, node and bridge configuration,
// command-line flags): "field: problem", joined with "; ". One place, so every rejection reads alike.
import type { z } from "zod";

/** One problem with one field ("" for the whole input). */
export interface FieldIssue {
  field: string;
  message: string;
}

export interface IssueWording {
  /** Prefixed to each field path ("kafka" gives "kafka.lingerMs"). */
  prefix?: string;
  /** A user's name for a field path, where it differs (a flag, an editor label). */
  nameOf?: (field: string) => string | undefined;
  /** The field of an issue about the whole input (default: none, the message alone). */
  whole?: string;
}

/** zod's issues as fields and messages; `unknownKeys` words an issue about keys the schema does not know. */
export function fieldIssues(
  issues: readonly z.core.$ZodIssue[],
  unknownKeys?: (keys: readonly string[]) => string,
): FieldIssue[] {
  return issues.map((i) => ({
    field: i.path.map(String).join("."),
    message: i.code === "unrecognized_keys" && unknownKeys ? unknownKeys(i.keys) : i.message,
  }));
}

/** "value: must be a finite number, got string; timestamp: is required" */
export function formatIssues(issues: readonly FieldIssue[], wording: IssueWording = {}): string {
  return issues
    .map((i) => {
      const path = [wording.prefix, i.field].filter(Boolean).join(".");
      const field = (i.field && wording.nameOf?.(i.field)) || path || wording.whole;
      return field ? `${field}: ${i.message}` : i.message;
    })
    .join("; ");
}

/** The words for a failed safeParse. */
export function describeZodError(error: z.ZodError, wording: IssueWording = {}): string {
  return formatIssues(fieldIssues(error.issues), wording);
}
