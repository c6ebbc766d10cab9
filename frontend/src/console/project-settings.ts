/** Console page "console-project-settings" (annotations/views/console/). */

export function startProjectSettings(): void {
  // Server-rendered forms work without script; enhancements go here.
}
