package dev.fusedtrainer.runtime.dist;

/** A collective failed or could not be run; the message says which, on which rank, and why. */
public class CommunicationException extends RuntimeException {
    public CommunicationException(String message) {
        super(message);
    }

    public CommunicationException(String message, Throwable cause) {
        super(message, cause);
    }
}
