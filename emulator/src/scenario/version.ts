/** Bumped whenever a change to the emulator may change a transcript: permalinks and build-time
 *  traces carry it, so state saved by another version is refused instead of misread. Kept in its
 *  own module so that pages can read it without loading the emulator. */
export const EMULATOR_VERSION = '11';
