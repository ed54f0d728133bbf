// The frontmatter every chapter must carry. Kept apart from content.config.ts so that the test
// fixture with a broken chapter validates against exactly the same rules as the book.
import { z } from 'astro/zod';

export const chapterSchema = z
  .object({
    title: z.string().min(1),
    /** Position in the book: 1 is the first chapter. Two chapters may not share a number. */
    order: z.number().int().positive(),
    /** One or two sentences, shown on the landing page and in the chapter header. */
    summary: z.string().min(1),
    /** The Windows build whose code and structure offsets the chapter's listings follow. */
    build: z.string().min(1),
    /** A draft is built by `astro dev` but left out of the published book. */
    draft: z.boolean().default(false),
  })
  .strict();

export type ChapterData = z.infer<typeof chapterSchema>;
