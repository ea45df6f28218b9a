package dev.fanout.core.testplugin;

import dev.fanout.api.Destination;

/** A test plugin for {@code mem:<name>}: each name is its own target. */
public class MemProvider extends FsProvider {

    @Override
    public String scheme() {
        return "mem";
    }

    @Override
    public String physicalTarget(Destination destination) {
        return "mem:" + destination.schemeSpecificPart();
    }

    @Override
    public String description() {
        return "memory for tests";
    }
}
