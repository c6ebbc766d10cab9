/** Console page "console-labels" (annotations/views/console/). */

export function startLabels(): void {
  // Server-rendered forms work without script; enhancements go here.
}
