/**
 * Where a long command reports what it is doing, one line at a time (the CLI writes these lines
 * to stderr, so stdout stays the command's result).
 */
export type Progress = (message: string) => void;
