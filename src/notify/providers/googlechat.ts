import type { MessageParts } from '../message.js';
import { plainText } from '../message.js';

/** Google Chat incoming webhook: a cardsV2 card with a `text` fallback. */
export function googleChatPayload(parts: MessageParts): Record<string, unknown> {
  const escape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  const widgets: Record<string, unknown>[] = [
    { textParagraph: { text: escape(parts.summary) } },
    ...parts.facts.map(([label, value]) => ({ decoratedText: { topLabel: escape(label), text: escape(value) } })),
  ];
  if (parts.objectLines.length > 0) widgets.push({ textParagraph: { text: parts.objectLines.map((l) => `• <code>${escape(l)}</code>`).join('<br>') } });
  for (const snippet of parts.snippets) widgets.push({ textParagraph: { text: `<b>${escape(snippet.ref)}</b><br><code>${escape(snippet.text).replace(/\n/g, '<br>')}</code>` } });
  widgets.push({ textParagraph: { text: `See more: <code>${escape(parts.hint)}</code>` } });
  return {
    text: plainText(parts),
    cardsV2: [{ cardId: 'ferry-alert', card: { header: { title: parts.title, subtitle: 'ferry' }, sections: [{ widgets }] } }],
  };
}
