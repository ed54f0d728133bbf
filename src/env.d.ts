// Types Astro generates on `astro sync` / `astro build` (astro:content with the chapter schema, import.meta.env).
/// <reference path="../.astro/types.d.ts" />
