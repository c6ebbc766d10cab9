/** Console page "console-assignment" (annotations/views/console/). */

export function startAssignment(): void {
  // Server-rendered forms work without script; enhancements go here.
}
