package io.exocom.broker.routing;

import io.exocom.protocol.routes.RoutesException;
import io.exocom.protocol.routes.RoutesLoader;
import org.jboss.logging.Logger;

import java.nio.file.Path;

/**
 * Applies changes of a routes file or directory while the broker runs (PROTOCOL.md §4.6). Polls a fingerprint of
 * the files' content rather than relying on file-system events, which miss the atomic symlink swaps of a mounted
 * ConfigMap and behave differently per platform. A broken change keeps the previous routes in force.
 */
public final class RoutesWatcher implements Runnable {
    private static final Logger LOG = Logger.getLogger(RoutesWatcher.class);

    private final Path path;
    private final Routing routing;
    private String fingerprint;
    private String failedFingerprint;

    public RoutesWatcher(Path path, Routing routing, String initialFingerprint) {
        this.path = path;
        this.routing = routing;
        this.fingerprint = initialFingerprint;
    }

    @Override
    public void run() {
        try {
            String current = RoutesLoader.fingerprint(path);
            if (current.equals(failedFingerprint)) {
                return;
            }
            if (current.equals(fingerprint)) {
                if (routing.lastError() != null) { // a broken edit was undone: the routes in force are the file's again
                    routing.reloadRecovered();
                    failedFingerprint = null;
                    LOG.infof("routes at %s are valid again and unchanged", path);
                }
                return;
            }
            RoutesLoader.Loaded loaded = RoutesLoader.load(path);
            routing.replace(loaded.table());
            fingerprint = loaded.fingerprint();
            failedFingerprint = null;
            LOG.infof("routes reloaded from %s: %d services", path, loaded.table().size());
        } catch (RoutesException e) {
            String message = e.getMessage();
            if (!message.equals(routing.lastError())) {
                LOG.errorf("routes not reloaded, the previous routes stay in force: %s", message);
            }
            routing.reloadFailed(message);
            try {
                failedFingerprint = RoutesLoader.fingerprint(path);
            } catch (RoutesException unreadable) {
                failedFingerprint = null;
            }
        } catch (RuntimeException e) {
            LOG.error("routes watcher failed; it will try again", e);
        }
    }
}
