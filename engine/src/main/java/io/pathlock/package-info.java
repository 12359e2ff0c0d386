/**
 * The pathlock facade: {@link io.pathlock.LockManager} hands out {@link io.pathlock.LockHandle}s
 * that take POINT and SUBTREE locks ({@link io.pathlock.core.LockRequest}) on normalised paths
 * ({@link io.pathlock.core.LockPath}), with the contracts of DESIGN §2. Refusals and failures are typed
 * exceptions that carry a {@link io.pathlock.core.LockConflict}.
 *
 * <p>Depends on {@code io.pathlock.table} (in-process arbitration), {@code io.pathlock.store} (the
 * store SPI) and {@code io.pathlock.observe}.
 */
package io.pathlock;
import io.pathlock.core.LockPath;
import io.pathlock.core.LockRequest;
import io.pathlock.core.LockConflict;

