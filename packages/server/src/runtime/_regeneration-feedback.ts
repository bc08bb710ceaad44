/** The most a review comment may hold (`buildSkillRequest` refuses longer ones). */
export const MAX_FEEDBACK_CHARS = 4000;

const HEADER = '\n\nThe version to write again:\n';

/**
 * "Write again" reaches the model as a reviewer's request for changes followed by the version it
 * replaces. The version is cut to what fits one review comment, so a long deliverable can be
 * written again instead of failing the task.
 */
export function regenerationFeedback(instruction: string, previousMarkdown: string): string {
  const room = MAX_FEEDBACK_CHARS - instruction.length - HEADER.length;
  if (room <= 1) return instruction.slice(0, MAX_FEEDBACK_CHARS);
  const version = previousMarkdown.length > room ? `${previousMarkdown.slice(0, room - 1)}…` : previousMarkdown;
  return `${instruction}${HEADER}${version}`;
}
