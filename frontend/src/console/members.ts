/** Console page "console-members" (annotations/views/console/). */

export function startMembers(): void {
  // Server-rendered forms work without script; enhancements go here.
}
