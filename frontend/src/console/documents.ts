/** Console page "console-documents" (annotations/views/console/). */

export function startDocumentsTable(): void {
  // Server-rendered forms work without script; enhancements go here.
}
