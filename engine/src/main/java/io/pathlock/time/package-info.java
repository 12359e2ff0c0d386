/**
 * The two clock types of pathlock's API: {@link io.pathlock.time.MonotonicClock} for timeouts and
 * ages, {@link io.pathlock.time.WallClock} for times written where other processes read them.
 */
package io.pathlock.time;
