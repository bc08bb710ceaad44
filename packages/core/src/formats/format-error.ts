/**
 * A team file (SKILL.md, an agent file, a brand file, marketing-team.yaml) is invalid.
 * Carries the file's path and the 1-based line of the problem, so nothing is silently dropped.
 */
export class FormatError extends Error {
  override readonly name = 'FormatError';
  constructor(
    /** Path of the offending file, as given to the loader. */
    readonly path: string,
    /** 1-based line of the problem (1 when it concerns the whole file). */
    readonly line: number,
    /** What is wrong, without the location. */
    readonly reason: string,
  ) {
    super(`${path}:${line}: ${reason}`);
  }
}
