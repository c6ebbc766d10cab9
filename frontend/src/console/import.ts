/** Console page "console-import" (annotations/views/console/). */

export function startImport(): void {
  // Server-rendered forms work without script; enhancements go here.
}
