/*
 * JNI binding for io.pathlock.nativeio.PathlockNative.
 * Every function returns a non-negative value on success and -errno on failure.
 */
#include <jni.h>
#include "io_pathlock_nativeio_PathlockNative.h"

#define PATHLOCK_ABI_VERSION 1

JNIEXPORT jint JNICALL Java_io_pathlock_nativeio_PathlockNative_abiVersion(JNIEnv *env, jclass cls)
{
    (void)env;
    (void)cls;
    return PATHLOCK_ABI_VERSION;
}
