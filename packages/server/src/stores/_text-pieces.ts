/**
 * Text written as a list of pieces and joined once into one flat string, the list kept for the
 * next text: a frame of 64 records is some 450 pieces, and a list grown afresh for each frame
 * (an empty array grows by copying) allocated twice what the pieces themselves hold.
 */
export class TextPieces {
  readonly #list: string[] = [];
  #count = 0;

  add(text: string): void {
    this.#list[this.#count++] = text;
  }

  /** The pieces added since the last join (or clear), joined; the list keeps its room, not the text. */
  join(): string {
    const list = this.#list;
    // Shortening only fills the tail with holes; emptying it (`length = 0`) would free its room.
    if (list.length !== this.#count) list.length = this.#count;
    const text = list.join('');
    this.clear();
    return text;
  }

  /** Lets go of the pieces added (a text not finished: its writer threw). */
  clear(): void {
    this.#list.fill('', 0, this.#count);
    this.#count = 0;
  }
}
