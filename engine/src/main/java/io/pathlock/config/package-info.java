/**
 * The configuration convention shared by system properties and the CLI: key names, durations,
 * sizes and booleans. See {@link io.pathlock.config.Settings}.
 */
package io.pathlock.config;
