import { MAX_FEEDBACK_CHARS } from './_regeneration-feedback.js';

const WITH_DRAFT = 'A person took this task over and handed it back with their draft. Start from it: keep what they wrote where it works, finish what is missing, and keep their intent.\n\nTheir draft:\n';
const WITHOUT_DRAFT = 'A person took this task over and handed it back without a draft: write it as asked.';

/**
 * A hand-back reaches the model as a reviewer's comment followed by the person's draft (as a
 * review comment feeds "Write again"), so the agent resumes from the person's work. The draft is
 * cut to what fits one review comment.
 */
export function handBackFeedback(draft: { title: string; markdown: string } | undefined): string {
  const text = draft ? [draft.title.trim() ? `# ${draft.title.trim()}` : '', draft.markdown.trim()].filter(Boolean).join('\n\n') : '';
  if (!text) return WITHOUT_DRAFT;
  const room = MAX_FEEDBACK_CHARS - WITH_DRAFT.length;
  return `${WITH_DRAFT}${text.length > room ? `${text.slice(0, room - 1)}…` : text}`;
}
