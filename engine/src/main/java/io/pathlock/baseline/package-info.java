/**
 * Baselines that benchmarks compare the engine with. Correct, but written the way a careful engineer
 * would write a first version: not for production use.
 */
package io.pathlock.baseline;
