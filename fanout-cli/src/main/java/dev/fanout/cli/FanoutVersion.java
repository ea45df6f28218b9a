package dev.fanout.cli;

import picocli.CommandLine.IVersionProvider;

/** The version from the jar manifest, or "development" when run from classes. */
final class FanoutVersion implements IVersionProvider {
    @Override
    public String[] getVersion() {
        String v = FanoutVersion.class.getPackage().getImplementationVersion();
        return new String[] {"fanout " + (v == null ? "development" : v), "Java " + Runtime.version()};
    }
}
