/** Colours for agreement values: table cells, small bars and the matrices' legend. */

import { h } from "../shared/dom";

/** Red (≤ 0) through yellow (0.5) to green (1): pale enough to keep the text readable. */
export function heatColor(value: number): string {
  const t = Math.max(0, Math.min(1, value));
  const stops: [number, [number, number, number]][] = [
    [0, [239, 154, 154]],
    [0.5, [255, 224, 130]],
    [1, [129, 199, 132]],
  ];
  const [i, j] = t <= 0.5 ? [0, 1] : [1, 2];
  const f = (t - stops[i][0]) / (stops[j][0] - stops[i][0]);
  const rgb = stops[i][1].map((c, k) => Math.round(c + (stops[j][1][k] - c) * f));
  return `rgb(${rgb.join(",")})`;
}

export function scaleLegend(): HTMLElement {
  return h(
    "div",
    { class: "scale-legend", "aria-hidden": "true" },
    h("span", {}, "≤ 0"),
    h("span", {
      class: "scale-bar",
      style: `background:linear-gradient(90deg,${heatColor(0)},${heatColor(0.5)},${heatColor(1)})`,
    }),
    h("span", {}, "1"),
  );
}
