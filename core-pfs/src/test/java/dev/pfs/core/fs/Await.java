package dev.pfs.core.fs;

import java.util.function.BooleanSupplier;

/** Polls a condition with a deadline, for tests that wait on another thread. */
final class Await {
    private Await() {
    }

    /** @return whether {@code condition} held within {@code seconds} */
    static boolean within(double seconds, BooleanSupplier condition) {
        long deadline = System.nanoTime() + (long) (seconds * 1e9);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.onSpinWait();
            Thread.yield();
        }
        return true;
    }
}
