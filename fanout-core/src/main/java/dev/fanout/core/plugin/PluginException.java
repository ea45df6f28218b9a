package dev.fanout.core.plugin;

/**
 * The installed writer plugins cannot be used as they are: two claim one scheme, a jar is broken,
 * a provider misbehaves. The message names the jars involved and what to remove or replace.
 */
public class PluginException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public PluginException(String message, Throwable cause) {
        super(message, cause);
    }
}
