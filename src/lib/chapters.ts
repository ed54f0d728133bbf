// The published chapters in reading order, and the neighbours of one of them.
import { getCollection, type CollectionEntry } from 'astro:content';
import { href } from './base.ts';

export type Chapter = CollectionEntry<'chapters'>;

export function chapterHref(chapter: Chapter): string {
  return href(`/chapters/${chapter.id}/`);
}

export async function publishedChapters(): Promise<Chapter[]> {
  const all = await getCollection('chapters', (c) => import.meta.env.DEV || !c.data.draft);
  all.sort((a, b) => a.data.order - b.data.order);
  for (let i = 1; i < all.length; i++) {
    if (all[i].data.order === all[i - 1].data.order) {
      throw new Error(
        `${all[i - 1].filePath ?? all[i - 1].id} and ${all[i].filePath ?? all[i].id} both have ` +
          `order ${all[i].data.order}; ` +
          'give each chapter its own position in the frontmatter field "order".',
      );
    }
  }
  return all;
}
