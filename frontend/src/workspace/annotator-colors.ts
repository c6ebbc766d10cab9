/**
 * The review view's per-annotator colours: a fixed palette (mostly Okabe–Ito, told apart with the
 * common colour-vision deficiencies, each at least 3:1 against the white page, as WCAG 1.4.11 asks
 * of graphics), handed out in the order the legend lists the annotators (by username), so one
 * annotator keeps one colour on every document of the same set of annotators. Colours only draw
 * bands and swatches, never text. Past eight annotators the colours repeat.
 */

export const ANNOTATOR_PALETTE: readonly string[] = [
  "#0072b2", // blue
  "#d55e00", // vermilion
  "#009e73", // bluish green
  "#cc79a7", // reddish purple
  "#8c6d00", // dark ochre
  "#882255", // wine
  "#5e4fa2", // indigo
  "#333333", // near black
];

/** Annotator id → colour, for annotators given as `[id, username]` pairs (repeats allowed). */
export function annotatorColors(annotators: Iterable<[number, string]>): Map<number, string> {
  const ordered = [...new Map(annotators).entries()].sort(
    (a, b) => a[1].localeCompare(b[1]) || a[0] - b[0],
  );
  return new Map(
    ordered.map(([id], i) => [id, ANNOTATOR_PALETTE[i % ANNOTATOR_PALETTE.length]!]),
  );
}
