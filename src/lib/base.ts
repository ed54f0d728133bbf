// Site-absolute paths under the base the book was built for (`BOOK_BASE`, see site-address.ts).
import { withBase } from './site-address.ts';

export const BASE: string = import.meta.env.BASE_URL.endsWith('/') ? import.meta.env.BASE_URL : `${import.meta.env.BASE_URL}/`;

/** `/chapters/x/` -> `/book/chapters/x/` when the book is built with BOOK_BASE=/book/. */
export function href(path: string): string {
  return withBase(BASE, path);
}
