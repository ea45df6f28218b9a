package dev.fanout.core;

import dev.fanout.api.BaseWriter;
import dev.fanout.api.Destination;
import dev.fanout.api.SameEngineCopy;
import dev.fanout.api.TableReader;
import dev.fanout.api.WriteBatch;
import dev.fanout.api.WriteException;
import dev.fanout.api.WriteOutcome;
import dev.fanout.core.topology.TopologyValidator;

import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Optional;
import java.util.Set;

/**
 * A writer whose failures carry the destination's secrets masked ({@link TopologyValidator#redact}):
 * they become the destination's health, the dead-letter reason of its packets and the lane's log
 * lines, and with {@code fanout --verbose} their stack traces are printed. A plugin may quote its
 * password or URI in its own message or leave it in a cause's (a client library's exception naming
 * the URL it called), so every message of the chain — causes and suppressed exceptions — is checked;
 * a failure holding a secret anywhere is replaced by a copy whose messages are masked and whose stack
 * traces and class names are the original's ({@link MaskedFailure}). A failure holding none is thrown
 * as it is.
 */
final class SecretMaskingWriter implements BaseWriter {
    /** How deep a chain of causes is copied; a deeper one is cut (a cycle would be endless). */
    private static final int MAX_DEPTH = 32;

    private final BaseWriter writer;
    private final Destination destination;

    SecretMaskingWriter(BaseWriter writer, Destination destination) {
        this.writer = writer;
        this.destination = destination;
    }

    @Override
    public void open() throws WriteException {
        try {
            writer.open();
        } catch (WriteException e) {
            throw masked(e);
        } catch (RuntimeException e) {
            throw maskedAsPermanent(e);
        }
    }

    @Override
    public Optional<String> targetIdentity() throws WriteException {
        try {
            return writer.targetIdentity();
        } catch (WriteException e) {
            throw masked(e);
        } catch (RuntimeException e) {
            throw maskedAsPermanent(e);
        }
    }

    @Override
    public void write(WriteBatch batch) throws WriteException {
        try {
            writer.write(batch);
        } catch (WriteException e) {
            throw masked(e);
        } catch (RuntimeException e) {
            throw holdsSecret(e) ? copy(e, 0, newSeen()) : e;
        }
    }

    @Override
    public WriteOutcome writeCounted(WriteBatch batch) throws WriteException {
        try {
            return writer.writeCounted(batch);
        } catch (WriteException e) {
            throw masked(e);
        } catch (RuntimeException e) {
            throw holdsSecret(e) ? copy(e, 0, newSeen()) : e;
        }
    }

    @Override
    public void checkConnection() throws WriteException {
        try {
            writer.checkConnection();
        } catch (WriteException e) {
            throw masked(e);
        } catch (RuntimeException e) {
            throw maskedAsPermanent(e);
        }
    }

    @Override
    public Optional<TableReader> reader() {
        return writer.reader();
    }

    @Override
    public Optional<SameEngineCopy> sameEngineCopy() {
        return writer.sameEngineCopy();
    }

    @Override
    public void close() throws WriteException {
        try {
            writer.close();
        } catch (WriteException e) {
            throw masked(e);
        } catch (RuntimeException e) {
            throw maskedAsPermanent(e);
        }
    }

    @Override
    public String toString() {
        return writer.toString();
    }

    private String mask(String message) {
        return TopologyValidator.redact(message, destination);
    }

    private WriteException masked(WriteException e) {
        if (!holdsSecret(e)) {
            return e;
        }
        Set<Throwable> seen = newSeen();
        seen.add(e);
        Throwable cause = e.getCause() == null ? null : copy(e.getCause(), 1, seen);
        WriteException copy = new WriteException(mask(String.valueOf(e.getMessage())), e.retryable(), e.table().orElse(null),
                e.column().orElse(null), cause);
        copy.setStackTrace(e.getStackTrace());
        for (Throwable s : e.getSuppressed()) {
            copy.addSuppressed(copy(s, 1, seen));
        }
        return copy;
    }

    /**
     * {@code e} itself when it holds no secret; otherwise a permanent {@link WriteException} (the
     * writer did not classify it) with the masked message and a masked copy of {@code e} as its cause.
     */
    private RuntimeException maskedAsPermanent(RuntimeException e) throws WriteException {
        if (!holdsSecret(e)) {
            return e;
        }
        throw WriteException.permanent(mask(WriterFailures.describe(e)), copy(e, 0, newSeen()));
    }

    private boolean holdsSecret(Throwable t) {
        return holdsSecret(t, 0, newSeen());
    }

    private boolean holdsSecret(Throwable t, int depth, Set<Throwable> seen) {
        if (t == null || depth > MAX_DEPTH || !seen.add(t)) {
            return false;
        }
        String message = t.getMessage();
        if (message != null && !mask(message).equals(message)) {
            return true;
        }
        for (Throwable s : t.getSuppressed()) {
            if (holdsSecret(s, depth + 1, seen)) {
                return true;
            }
        }
        return holdsSecret(t.getCause(), depth + 1, seen);
    }

    private MaskedFailure copy(Throwable t, int depth, Set<Throwable> seen) {
        seen.add(t);
        Throwable cause = t.getCause();
        MaskedFailure copy = new MaskedFailure(t.getClass().getName(), t.getMessage() == null ? null : mask(t.getMessage()),
                cause == null || depth >= MAX_DEPTH || seen.contains(cause) ? null : copy(cause, depth + 1, seen));
        copy.setStackTrace(t.getStackTrace());
        for (Throwable s : t.getSuppressed()) {
            if (depth < MAX_DEPTH && !seen.contains(s)) {
                copy.addSuppressed(copy(s, depth + 1, seen));
            }
        }
        return copy;
    }

    private static Set<Throwable> newSeen() {
        return Collections.newSetFromMap(new IdentityHashMap<>());
    }

    /**
     * A plugin's exception with its message masked: it prints (and {@link #toString}s) as the
     * original class with the masked message, with the original's stack trace, so a stack trace shows
     * where the failure came from and never the secret.
     */
    static final class MaskedFailure extends RuntimeException {
        private final String originalClass;

        MaskedFailure(String originalClass, String maskedMessage, Throwable maskedCause) {
            super(maskedMessage, maskedCause);
            this.originalClass = originalClass;
        }

        /** The class name of the exception this is a masked copy of. */
        String originalClass() {
            return originalClass;
        }

        @Override
        public String toString() {
            String message = getMessage();
            return message == null ? originalClass : originalClass + ": " + message;
        }
    }
}
