/**
 * The {@code pathlock} command line: {@code bench} (built-in contention benchmark), and the
 * lock-file and redo-log commands. Depends on the engine and picocli.
 */
package io.pathlock.cli;
