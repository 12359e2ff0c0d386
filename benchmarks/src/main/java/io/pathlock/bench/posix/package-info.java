/**
 * JMH benchmarks of the {@link io.pathlock.posix.Posix} backends, each beside its floor: the same
 * syscall sequence done in a C loop through JNI ({@link io.pathlock.nativeio.PathlockNative}).
 * Figures and the command that produced them: {@code benchmarks/POSIX-RESULTS.md}.
 */
package io.pathlock.bench.posix;
