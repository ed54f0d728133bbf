// Wraps each highlighted code block in a container that the page script puts a copy button on
// (the button is made by the script, so a page read without JavaScript shows no dead control),
// and each table in a box of its own that scrolls sideways, so a wide table never widens the page
// at 360 px. The box is focusable (keyboard users can scroll it) and named for screen readers.
type Node = { type: string; tagName?: string; properties?: Record<string, unknown>; children?: Node[] };

export default function rehypeCodeBlocks() {
  return (tree: Node) => {
    const visit = (node: Node) => {
      const children = node.children ?? [];
      for (let i = 0; i < children.length; i++) {
        const child = children[i];
        if (child.type === 'element' && child.tagName === 'pre') {
          // A kd session's output (register dumps, memory, listings) is kept out of the search
          // index: a search excerpt should be prose, not `rax=0000...` (data-pagefind-ignore).
          const kd = child.properties?.dataLanguage === 'windbg';
          children[i] = {
            type: 'element',
            tagName: 'div',
            properties: { className: ['code-block'], ...(kd ? { dataPagefindIgnore: '' } : {}) },
            children: [child],
          };
        } else if (child.type === 'element' && child.tagName === 'table') {
          children[i] = {
            type: 'element',
            tagName: 'div',
            properties: { className: ['table-scroll'], tabIndex: 0, role: 'group', ariaLabel: 'Table' },
            children: [child],
          };
        } else {
          visit(child);
        }
      }
    };
    visit(tree);
  };
}
