import { resolveStrings, type WidgetStrings } from '../strings.js';

const completed = new WeakMap<WidgetStrings, WidgetStrings>();
const complete = new WeakSet<WidgetStrings>();

/**
 * The strings a part was given with every default filled in (the element resolves only the keys
 * its first paint shows). The same object for the same input, so a part can call it on every update.
 */
export function completeStrings(strings: WidgetStrings): WidgetStrings {
  if (complete.has(strings)) return strings;
  let result = completed.get(strings);
  if (!result) {
    result = resolveStrings(strings);
    completed.set(strings, result);
    complete.add(result);
  }
  return result;
}
