/**
 * The JNI binding of pathlock's native library ({@code libpathlock.so}, packaged in this jar) and its
 * loader. Internal to pathlock: exported to the engine only.
 */
module io.pathlock.nativeio {
    exports io.pathlock.nativeio to io.pathlock;
}
