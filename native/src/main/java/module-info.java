/**
 * The JNI binding of pathlock's native library ({@code libpathlock.so} and {@code pathlock-keeper},
 * packaged in this jar) and its loader. Internal to pathlock: exported to the engine and the
 * command only.
 */
module io.pathlock.nativeio {
    exports io.pathlock.nativeio to io.pathlock, io.pathlock.cli;
}
