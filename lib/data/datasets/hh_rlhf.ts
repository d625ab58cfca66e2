/** Anthropic HH-RLHF harmless-base test split: chosen and rejected dialogues sharing a prefix. */

import { readShippedJsonl } from "../shipped.ts";
import { memoize } from "../memo.ts";

/** Shipped file, relative to the data root. */
export const HH_RLHF_FILE = "hh_rlhf_harmless/harmless-base_test.jsonl.gz";

/** One preference pair. */
export interface HhRlhfRow {
  /** `hh-rlhf:<line number, from 1>`. */
  rowId: string;
  chosen: string;
  rejected: string;
  /** Text of the first `Human:` turn (an adversarial request). */
  firstHumanTurn: string;
  /** Dialogue before the final assistant answer, ending in `Assistant:`. */
  prefix: string;
  /** Final assistant answers of the chosen and the rejected dialogue. */
  chosenAnswer: string;
  rejectedAnswer: string;
}

const ASSISTANT = "\n\nAssistant:";

/** Split a dialogue at its last assistant turn into the prefix (ending in `Assistant:`) and the answer. */
export function splitLastTurn(dialogue: string): { prefix: string; answer: string } {
  const at = dialogue.lastIndexOf(ASSISTANT);
  if (at < 0) return { prefix: "", answer: dialogue.trim() };
  return {
    prefix: dialogue.slice(0, at + ASSISTANT.length),
    answer: dialogue.slice(at + ASSISTANT.length).trim(),
  };
}

function firstHuman(dialogue: string): string {
  const match = /Human:([\s\S]*?)(?:\n\nAssistant:|$)/.exec(dialogue);
  return match ? match[1].trim() : "";
}

/** Load the 2,312 harmless-base test pairs. */
export const loadHhRlhf: () => Promise<HhRlhfRow[]> = memoize(async () => {
  const raw = await readShippedJsonl<{ chosen: string; rejected: string }>(HH_RLHF_FILE);
  return raw.map((row, index) => {
    const chosen = splitLastTurn(row.chosen);
    const rejected = splitLastTurn(row.rejected);
    return {
      rowId: `hh-rlhf:${index + 1}`,
      chosen: row.chosen,
      rejected: row.rejected,
      firstHumanTurn: firstHuman(row.chosen),
      prefix: chosen.prefix,
      chosenAnswer: chosen.answer,
      rejectedAnswer: rejected.answer,
    };
  });
});
