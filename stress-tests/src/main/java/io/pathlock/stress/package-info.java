/**
 * Concurrency stress tests: jcstress tests of the lock-free protocols and the multi-process chaos
 * runner. Depends on the engine only.
 */
package io.pathlock.stress;
