import { describe, it, expect } from 'vitest';
import { normalizeBase, normalizeSite, siteAddress, withBase } from '../../src/lib/site-address.ts';

describe('BOOK_SITE and BOOK_BASE', () => {
  it('default to the local preview at /', () => {
    expect(siteAddress({})).toEqual({ site: 'http://localhost:4321', base: '/' });
  });
  it('take a base with or without its slashes', () => {
    for (const b of ['/book/', 'book', '/book', 'book/']) expect(normalizeBase(b)).toBe('/book/');
    expect(normalizeBase('/a/b')).toBe('/a/b/');
    expect(normalizeBase('/')).toBe('/');
  });
  it('refuse a base that is not a path, saying how to write one', () => {
    expect(() => normalizeBase('/bo ok/')).toThrow(/BOOK_BASE="\/bo ok\/" is not a path.*BOOK_BASE=\/book\//);
    expect(() => normalizeBase('https://x.org/book/')).toThrow(/not a path/);
    expect(() => normalizeBase('//book')).toThrow(/not a path/);
  });
  it('take an origin, and send a path in BOOK_SITE to BOOK_BASE', () => {
    expect(normalizeSite('https://example.org/')).toBe('https://example.org');
    expect(() => normalizeSite('https://example.org/book/')).toThrow(/put the path in BOOK_BASE.*BOOK_BASE=\/book\//);
    expect(() => normalizeSite('example.org')).toThrow(/not a URL/);
    expect(() => normalizeSite('ftp://example.org')).toThrow(/http:\/\/ or https:\/\//);
  });
  it('put site-absolute links under the base and leave the rest alone', () => {
    expect(withBase('/book/', '/chapters/x/')).toBe('/book/chapters/x/');
    expect(withBase('/book/', '/')).toBe('/book/');
    expect(withBase('/book/', '/book/fidelity/')).toBe('/book/fidelity/');
    expect(withBase('/book/', '#x')).toBe('#x');
    expect(withBase('/book/', '//cdn.example/x')).toBe('//cdn.example/x');
    expect(withBase('/book/', 'https://example.org/')).toBe('https://example.org/');
    expect(withBase('/', '/chapters/x/')).toBe('/chapters/x/');
  });
});
