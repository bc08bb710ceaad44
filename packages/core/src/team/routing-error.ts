/** Why a request could not be routed or planned. */
export type RoutingErrorCode =
  | 'invalid_request'
  | 'unknown_skill'
  | 'unknown_agent'
  | 'skill_not_owned'
  | 'no_match'
  | 'invalid_model_answer'
  | 'unplannable';

/** A request could not be routed or planned with the team (unknown skill, no matching rule, bad model answer). */
export class RoutingError extends Error {
  override readonly name = 'RoutingError';
  constructor(
    readonly code: RoutingErrorCode,
    message: string,
    /** Path of the offending request field, when there is one. */
    readonly field?: string,
  ) {
    super(message);
  }
}
