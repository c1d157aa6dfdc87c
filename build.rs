// Only the Node addon needs a build step (napi-build sets the linker flags Node-API needs).
fn main() {
    #[cfg(feature = "node")]
    napi_build::setup();
}
