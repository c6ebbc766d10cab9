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
  }
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", main);
else main();
