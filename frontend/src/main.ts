/**
 * Entry point: each server-rendered page names its script with <body data-page="...">. The pages
 * live in one folder each (workspace/, dashboard/, adjudication/, exports/, project/,
 * gold-comparison/, console/) beside shared/, the modules they have in common. No page has a script of its
 * own: the Content-Security-Policy (script-src 'self') runs only these bundled files.
 */

// Every page's styles, in cascade order, go into the one app.css the templates link: CSS imported
// by the lazily loaded pages would land in chunk files that nothing loads.
import "./shared/base.css";
import "./workspace/workspace.css";
import "./shared/pages.css";
import "./dashboard/dashboard.css";
import "./adjudication/adjudication.css";
import "./exports/exports.css";
import "./console/console.css";
import "./console/project-settings.css";
import "./console/labels.css";
import "./console/members.css";
import "./console/assignment.css";
import "./console/import.css";
import "./console/documents.css";

import { enhanceProjectPage } from "./project/project";
import { readBootstrap } from "./workspace/bootstrap";
import { Workspace } from "./workspace/workspace";

/** The manager's console pages (console/), each its own lazily loaded chunk. */
function startConsolePage(page: string): void {
  if (page === "console-project-settings") {
    void import("./console/project-settings").then((m) => m.startProjectSettings());
  } else if (page === "console-labels") {
    void import("./console/labels").then((m) => m.startLabels());
  } else if (page === "console-members") {
    void import("./console/members").then((m) => m.startMembers());
  } else if (page === "console-assignment") {
    void import("./console/assignment").then((m) => m.startAssignment());
  } else if (page === "console-import") {
    void import("./console/import").then((m) => m.startImport());
  } else if (page === "console-documents") {
    void import("./console/documents").then((m) => m.startDocumentsTable());
  }
}

function main(): void {
  performance.mark("workspace-script");
  const page = document.body.dataset.page;
  if (page === "workspace") {
    const workspace = new Workspace(readBootstrap());
    workspace.start();
    (window as unknown as { workbench?: unknown }).workbench = workspace;
  } else if (page === "project") {
    enhanceProjectPage();
  } else if (page === "dashboard") {
    // The reviewer pages load lazily (their own chunks): the workspace never carries Chart.js.
    void import("./dashboard/dashboard").then((m) => m.startDashboard());
  } else if (page === "adjudication-queue") {
    void import("./adjudication/queue").then((m) => m.startAdjudicationQueue());
  } else if (page === "adjudication") {
    void import("./adjudication/page").then((m) => m.startAdjudication());
  } else if (page === "exports") {
    void import("./exports/exports").then((m) => m.startExports());
  } else if (page === "gold-comparison") {
    void import("./gold-comparison/gold-comparison").then((m) => m.startGoldComparison());
  } else if (page?.startsWith("console-")) {
    startConsolePage(page);
  }
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", main);
else main();
