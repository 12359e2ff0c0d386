/**
 * The lock-store SPI: where locks live beyond this process's lock table. The in-memory store
 * ({@link io.pathlock.store.MemoryLockStore}) only hands out fencing tokens; the file store publishes
 * lock files for other processes; a coordination-service store (DESIGN §6) would publish nodes.
 * Nothing in the SPI assumes a file system. Depends on {@code io.pathlock} types only.
 */
package io.pathlock.store;
