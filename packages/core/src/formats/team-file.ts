/** A text file of a team folder: a path relative to the folder (POSIX separators) and its content. */
export interface TeamFile {
  path: string;
  content: string;
}
