/**
 * JMH benchmarks of the engine, each beside the baseline it is compared with. Depends on the engine
 * only.
 */
package io.pathlock.bench;
