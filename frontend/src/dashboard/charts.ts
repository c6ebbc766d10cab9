/**
 * The dashboard's charts (Chart.js, MIT). Only the pieces used are registered, and this module is
 * loaded only by the dashboard (main.ts imports it lazily), so the annotator's workspace does not
 * carry it. Animations are off: the figures refresh in place while jobs run and should not dance.
 */

import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  type ChartDataset,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
} from "chart.js";

Chart.register(
  BarController,
  BarElement,
  CategoryScale,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
);
Chart.defaults.animation = false;
Chart.defaults.maintainAspectRatio = false;
Chart.defaults.color = "#3b4650";
Chart.defaults.font.family =
  'system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", sans-serif';
Chart.defaults.font.size = 13;
Chart.defaults.plugins.legend.labels.boxWidth = 14;

export { Chart };

/** Distinct, colour-blind-friendly colours for annotators (Okabe–Ito, then Tableau). */
const PALETTE = [
  "#0072b2",
  "#e69f00",
  "#009e73",
  "#cc79a7",
  "#56b4e9",
  "#d55e00",
  "#f0e442",
  "#000000",
  "#8c564b",
  "#7f7f7f",
];

export function paletteColor(index: number): string {
  return PALETTE[index % PALETTE.length];
}

// Krippendorff's rule of thumb: alpha >= 0.8 reliable, 0.667 <= alpha < 0.8 tentative conclusions.
const RELIABLE = 0.8;
const TENTATIVE = 0.667;

export interface TrendPoint {
  label: string;
  alpha: number | null;
  documents: number;
}

function referenceLine(label: string, value: number, count: number, color: string) {
  return {
    type: "line" as const,
    label,
    data: Array.from({ length: count }, () => value),
    borderColor: color,
    borderDash: [6, 4],
    borderWidth: 1.5,
    pointRadius: 0,
    pointHitRadius: 0,
  };
}

function alphaScale(values: (number | null)[]) {
  const known = values.filter((v): v is number => v !== null);
  const low = Math.min(0, ...known);
  return {
    min: low < 0 ? Math.floor(low * 10) / 10 : 0,
    max: 1,
    title: { display: true, text: "Krippendorff's α" },
    ticks: { stepSize: 0.2 },
  };
}

export function trendChart(canvas: HTMLCanvasElement, points: TrendPoint[]): Chart {
  return new Chart(canvas, {
    type: "line",
    data: trendData(points),
    options: {
      scales: {
        y: alphaScale(points.map((p) => p.alpha)),
        x: { title: { display: true, text: "Agreement report" } },
      },
      plugins: {
        legend: { position: "bottom" },
        tooltip: {
          callbacks: {
            afterLabel: (item) =>
              item.datasetIndex === 0
                ? `${points[item.dataIndex]?.documents ?? "?"} documents`
                : "",
          },
        },
      },
    },
  });
}

function trendData(points: TrendPoint[]) {
  return {
    labels: points.map((p) => p.label),
    datasets: [
      {
        type: "line" as const,
        label: "α (character level)",
        data: points.map((p) => p.alpha),
        borderColor: "#1f5fbf",
        backgroundColor: "#1f5fbf",
        borderWidth: 2.5,
        pointRadius: 4,
        spanGaps: true,
      },
      referenceLine("0.8 reliable", RELIABLE, points.length, "#2e7d32"),
      referenceLine("0.667 tentative", TENTATIVE, points.length, "#b26a00"),
    ],
  };
}

export function updateTrend(chart: Chart, points: TrendPoint[]): void {
  chart.data = trendData(points);
  (chart.options.scales as Record<string, unknown>).y = alphaScale(points.map((p) => p.alpha));
  chart.update();
}

export interface LabelAlpha {
  label: string;
  color: string;
  value: number | null;
}

function labelAlphaData(rows: LabelAlpha[]) {
  return {
    labels: rows.map((r) => r.label),
    datasets: [
      {
        label: "α per label",
        data: rows.map((r) => r.value),
        backgroundColor: rows.map((r) => r.color),
        borderRadius: 3,
        maxBarThickness: 56,
      },
    ],
  };
}

export function labelAlphaChart(canvas: HTMLCanvasElement, rows: LabelAlpha[]): Chart {
  return new Chart(canvas, {
    type: "bar",
    data: labelAlphaData(rows),
    options: {
      scales: { y: alphaScale(rows.map((r) => r.value)) },
      plugins: { legend: { display: false } },
    },
  });
}

export function updateLabelAlpha(chart: Chart, rows: LabelAlpha[]): void {
  chart.data = labelAlphaData(rows);
  (chart.options.scales as Record<string, unknown>).y = alphaScale(rows.map((r) => r.value));
  chart.update();
}

export interface Distribution {
  labels: string[];
  /** One series per annotator: the share of their spans under each label, and the counts. */
  series: { name: string; shares: number[]; counts: number[] }[];
}

/** The counts behind each distribution chart's percentages, for its tooltips. */
const distributions = new WeakMap<Chart, Distribution>();

function distributionData(dist: Distribution) {
  const datasets: ChartDataset<"bar", number[]>[] = dist.series.map((s, i) => ({
    label: s.name,
    data: s.shares.map((v) => Math.round(v * 1000) / 10),
    backgroundColor: paletteColor(i),
    borderRadius: 2,
    maxBarThickness: 34,
  }));
  return { labels: dist.labels, datasets };
}

export function distributionChart(canvas: HTMLCanvasElement, dist: Distribution): Chart {
  const chart: Chart = new Chart(canvas, {
    type: "bar",
    data: distributionData(dist),
    options: {
      scales: {
        y: { min: 0, max: 100, title: { display: true, text: "% of the annotator's spans" } },
      },
      plugins: {
        legend: { position: "bottom" },
        tooltip: {
          callbacks: {
            label: (item) => {
              const count =
                distributions.get(chart)?.series[item.datasetIndex]?.counts[item.dataIndex] ?? 0;
              return `${item.dataset.label}: ${item.formattedValue} % (${count} spans)`;
            },
          },
        },
      },
    },
  });
  distributions.set(chart, dist);
  return chart;
}

export function updateDistribution(chart: Chart, dist: Distribution): void {
  distributions.set(chart, dist);
  chart.data = distributionData(dist);
  chart.update();
}
