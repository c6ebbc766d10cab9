/**
 * Assignment page (`/projects/<id>/assign/`, console/assignment.html). The forms work without
 * script; this keeps the "move open work" form honest: the annotator whose work moves cannot also
 * be ticked as one who takes it (the server refuses that too).
 */

export function startAssignment(): void {
  const from = document.getElementById("id_move-from_annotator") as HTMLSelectElement | null;
  if (from) {
    const sync = (): void => syncTargets(from);
    from.addEventListener("change", sync);
    sync();
  }
  document.body.dataset.ready = "1";
}

function syncTargets(from: HTMLSelectElement): void {
  const boxes = document.querySelectorAll<HTMLInputElement>(
    '#move-form input[type="checkbox"][name="move-to_annotators"]',
  );
  for (const box of boxes) {
    const isSource = box.value === from.value;
    box.disabled = isSource;
    if (isSource) box.checked = false;
    box.closest("label")?.classList.toggle("unavailable", isSource);
  }
}
