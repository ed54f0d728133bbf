// Puts the chapters' site-absolute links (`[next chapter](/chapters/x/)`) under the base path the
// book is published at (`BOOK_BASE`), so a chapter's prose links work at `/` and at `/book/`.
import { withBase } from '../lib/site-address.ts';

type Node = { type: string; tagName?: string; properties?: Record<string, unknown>; children?: Node[] };

function walk(node: Node, visit: (n: Node) => void): void {
  visit(node);
  for (const child of node.children ?? []) walk(child, visit);
}

export default function rehypeBaseLinks(options: { base: string }) {
  const { base } = options;
  return (tree: Node) => {
    if (base === '/') return;
    walk(tree, (node) => {
      if (node.type !== 'element' || !node.properties) return;
      for (const attr of ['href', 'src']) {
        const v = node.properties[attr];
        if (typeof v === 'string') node.properties[attr] = withBase(base, v);
      }
    });
  };
}
