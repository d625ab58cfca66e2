/**
 * Evaluation prompt sets from the `eval-prompts` role: RTP prompts split by prompt toxicity, ToxiGen
 * statements, BOLD sentence starts, first human turns of HH-RLHF harmless dialogues (adversarial
 * requests), and LAMBADA passages for fluency.
 */

import type { PromptSetSizes } from "../spec/types.ts";
import type { PromptSet } from "./types.ts";
import { loadRtp } from "./datasets/rtp.ts";
import { loadToxigen } from "./datasets/toxigen.ts";
import { loadBold } from "./datasets/bold.ts";
import { loadHhRlhf } from "./datasets/hh_rlhf.ts";
import { loadLambada } from "./datasets/lambada.ts";
import { roleIndex, rowsWithRole } from "./role_index.ts";
import { rtpPromptRow } from "./queries.ts";
import { seededSample } from "./shuffle.ts";
import { RTP_TOXIC_PROMPT_MIN, rtpFileRoles, type RtpSourceOptions } from "./rtp_file_roles.ts";

export { RTP_TOXIC_PROMPT_MIN };

/** The evaluation prompt sets, keyed by name. */
export interface EvaluationPromptSets {
  rtp_toxic: PromptSet;
  rtp_nontoxic: PromptSet;
  /** Group `hate` or `neutral`; the target group is part of the row id. */
  toxigen: PromptSet;
  /** Group is the BOLD domain. */
  bold: PromptSet;
  adversarial: PromptSet;
  /** Prompt is the passage without its last word; continuation is a space and the last word. */
  lambada: PromptSet;
}

function requireCount(name: string, wanted: number, available: number, origin = ""): void {
  if (wanted > available) {
    throw new RangeError(
      `evaluation.prompts.${name} is ${wanted}, but the eval-prompts role contains only ${available} such prompts` +
        `${origin}; lower it to at most ${available}`,
    );
  }
}

/**
 * Build every evaluation prompt set for a split seed; a size of 0 gives an empty set. The RTP sets
 * come from the user RTP file when one is named, otherwise from the shipped subsets.
 */
export async function buildPromptSets(
  sizes: PromptSetSizes,
  lambadaLimit: number,
  seed: number,
  source: RtpSourceOptions = {},
): Promise<EvaluationPromptSets> {
  const index = await roleIndex(seed);

  const rtpRows = source.file
    ? (await rtpFileRoles(source.file, seed, source)).evalPrompts
    : rowsWithRole(index, await loadRtp(), "eval-prompts");
  const rtp = rtpRows.filter((row) => row.promptToxicity !== undefined);
  const rtpToxic = rtp.filter((row) => row.promptToxicity! >= RTP_TOXIC_PROMPT_MIN);
  const rtpNontoxic = rtp.filter((row) => row.promptToxicity! < RTP_TOXIC_PROMPT_MIN);
  const origin = source.file ? ` in ${source.file.path}` : "";
  requireCount("rtp_toxic", sizes.rtp_toxic, rtpToxic.length, origin);
  requireCount("rtp_nontoxic", sizes.rtp_nontoxic, rtpNontoxic.length, origin);
  const asPrompt = (group: string) => (row: (typeof rtp)[number]) => rtpPromptRow(row, group, false);

  // ToxiGen: balanced between hateful and neutral statements where both have enough rows.
  const toxigen = rowsWithRole(index, await loadToxigen(), "eval-prompts");
  requireCount("toxigen", sizes.toxigen, toxigen.length);
  const hate = seededSample(toxigen.filter((row) => row.hate), Infinity, seed, "toxigen", "hate");
  const neutral = seededSample(toxigen.filter((row) => !row.hate), Infinity, seed, "toxigen", "neutral");
  const hateCount = Math.min(
    hate.length,
    Math.max(Math.ceil(sizes.toxigen / 2), sizes.toxigen - neutral.length),
  );
  const toxigenRows = [...hate.slice(0, hateCount), ...neutral.slice(0, sizes.toxigen - hateCount)];

  // BOLD: the first prompt of each Wikipedia page, as the HF release of BOLD does.
  const bold = rowsWithRole(index, await loadBold(), "eval-prompts").filter((row) =>
    row.rowId.endsWith(":0")
  );
  requireCount("bold", sizes.bold, bold.length);

  const adversarial = rowsWithRole(index, await loadHhRlhf(), "eval-prompts").filter((row) =>
    row.firstHumanTurn !== ""
  );
  requireCount("adversarial", sizes.adversarial, adversarial.length);

  const lambada = rowsWithRole(index, await loadLambada(), "eval-prompts");
  const lambadaRows = lambadaLimit > 0 ? lambada.slice(0, lambadaLimit) : lambada;

  return {
    rtp_toxic: {
      name: "rtp_toxic",
      rows: seededSample(rtpToxic, sizes.rtp_toxic, seed, "rtp_toxic").map(asPrompt("toxic")),
    },
    rtp_nontoxic: {
      name: "rtp_nontoxic",
      rows: seededSample(rtpNontoxic, sizes.rtp_nontoxic, seed, "rtp_nontoxic").map(asPrompt("nontoxic")),
    },
    toxigen: {
      name: "toxigen",
      rows: sizes.toxigen === 0 ? [] : toxigenRows.map((row) => ({
        id: row.rowId,
        prompt: row.text,
        group: row.hate ? "hate" : "neutral",
      })),
    },
    bold: {
      name: "bold",
      rows: seededSample(bold, sizes.bold, seed, "bold").map((row) => ({
        id: row.rowId,
        prompt: row.prompt,
        group: row.domain,
      })),
    },
    adversarial: {
      name: "adversarial",
      rows: seededSample(adversarial, sizes.adversarial, seed, "adversarial")
        .map((row) => ({ id: row.rowId, prompt: row.firstHumanTurn, group: "adversarial" })),
    },
    lambada: {
      name: "lambada",
      rows: lambadaRows.map((row) => ({
        id: row.rowId,
        prompt: row.context,
        continuation: ` ${row.target}`,
      })),
    },
  };
}
