package dev.fusedtrainer.runtime.dist;

/**
 * A collective did not complete in its time: a peer rank died, hung, or called a different collective.
 * The job cannot go on (the ranks no longer agree on which collective comes next).
 */
public class CommTimeoutException extends CommunicationException {
    public CommTimeoutException(String message) {
        super(message);
    }
}
