/** The fidelity page's anchor for a routine or structure: `nt!KiPageFault` -> `nt-KiPageFault`. */
export function provenanceAnchor(name: string): string {
  return name.replace(/!/g, '-').replace(/[^A-Za-z0-9_-]/g, '');
}
