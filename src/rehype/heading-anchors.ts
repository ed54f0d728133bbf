// Gives every h2-h4 in a chapter a self-link, so a reader can copy the address of a section.
// The link holds no text of its own (the "#" is drawn by CSS) so the heading's text, the on-page
// table of contents and the search index stay clean; its accessible name comes from aria-label.
// Runs after Astro's own heading-id pass (rehypeHeadingIds), which it calls first to be sure ids exist.
import { rehypeHeadingIds } from '@astrojs/markdown-remark';

type Node = { type: string; tagName?: string; properties?: Record<string, unknown>; children?: Node[]; value?: string };

function textOf(node: Node): string {
  if (node.type === 'text') return node.value ?? '';
  return (node.children ?? []).map(textOf).join('');
}

function walk(node: Node, visit: (n: Node) => void): void {
  visit(node);
  for (const child of node.children ?? []) walk(child, visit);
}

export default function rehypeHeadingAnchors() {
  const assignIds = rehypeHeadingIds();
  return (tree: Node, file: unknown) => {
    (assignIds as (t: unknown, f: unknown) => void)(tree, file);
    walk(tree, (node) => {
      if (node.type !== 'element' || !/^h[2-4]$/.test(node.tagName ?? '')) return;
      const id = node.properties?.id;
      if (typeof id !== 'string' || id === '') return;
      node.children ??= [];
      node.children.push({
        type: 'element',
        tagName: 'a',
        properties: {
          className: ['heading-anchor'],
          href: `#${id}`,
          ariaLabel: `Link to the section “${textOf(node).trim()}”`,
          dataPagefindIgnore: '',
        },
        children: [],
      });
    });
  };
}
