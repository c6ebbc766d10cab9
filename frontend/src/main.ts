/** Entry point: each server-rendered page names its script with <body data-page="...">. */

import "./styles.css";

import { enhanceProjectPage } from "./project";
import type { Bootstrap } from "./types";
import { Workspace } from "./workspace";

function bootstrap(): Bootstrap {
  const el = document.getElementById("workspace-data");
  if (!el?.textContent) throw new Error("the page has no #workspace-data");
  return JSON.parse(el.textContent) as Bootstrap;
}

function main(): void {
  performance.mark("workspace-script");
  const page = document.body.dataset.page;
  if (page === "workspace") {
    const workspace = new Workspace(bootstrap());
    workspace.start();
    (window as unknown as { workbench?: unknown }).workbench = workspace;
  } else if (page === "project") {
    enhanceProjectPage();
  } else if (page === "dashboard") {
    // The reviewer pages load lazily (their own chunks): the workspace never carries Chart.js.
    void import("./dashboard").then((m) => m.startDashboard());
  } else if (page === "adjudication-queue") {
    void import("./adjudication").then((m) => m.startAdjudicationQueue());
  } else if (page === "adjudication") {
    void import("./adjudication").then((m) => m.startAdjudication());
  } else if (page === "exports") {
    void import("./exports").then((m) => m.startExports());
  }
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", main);
else main();
