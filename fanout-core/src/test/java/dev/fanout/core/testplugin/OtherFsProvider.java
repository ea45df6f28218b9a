package dev.fanout.core.testplugin;

/** A second test plugin claiming {@code fs}, to provoke the duplicate-scheme refusal. */
public class OtherFsProvider extends FsProvider {
}
