/**
 * The multi-process chaos runner ({@link io.pathlock.stress.chaos.ChaosRunner}): worker JVMs on the
 * lock-file store, kill -9 / SIGSTOP / planted-file faults, an independent O_APPEND recorder and the
 * Jepsen-style mutex and counter workloads.
 */
package io.pathlock.stress.chaos;
