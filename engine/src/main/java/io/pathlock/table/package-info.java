/**
 * The in-process lock table: a lock-free path trie whose nodes carry CAS-only state words
 * (DESIGN §3.1). It arbitrates the threads of one process in O(depth) per operation and knows
 * nothing about files, handles or time.
 *
 * <p>Naming convention for memory order, as in Agrona: a method or field access named
 * {@code ...Volatile}, {@code ...Release}, {@code ...Acquire} or {@code compareAndSet...} has that
 * order; plain names are plain accesses. Depends on {@code io.pathlock} (paths and types) only.
 */
package io.pathlock.table;
