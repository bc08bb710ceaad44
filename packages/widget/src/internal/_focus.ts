/** The focused element, looking through open shadow roots. */
function deepActiveElement(): Element | null {
  let active: Element | null = document.activeElement;
  while (active?.shadowRoot?.activeElement) active = active.shadowRoot.activeElement;
  return active;
}

/** Whether the person is typing somewhere (so focus must not be moved away). */
export function isTyping(): boolean {
  const active = deepActiveElement();
  if (!active) return false;
  if (active instanceof HTMLTextAreaElement || active instanceof HTMLSelectElement) return true;
  if (active instanceof HTMLInputElement) return !['button', 'submit', 'checkbox', 'radio', 'reset'].includes(active.type);
  return active instanceof HTMLElement && active.isContentEditable;
}
