package dev.magnet.gateway;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import java.nio.channels.SocketChannel;

/** Copies bytes both ways between two connections until either side is done. */
final class Pipes {
    private Pipes() {
    }

    /** Pumps {@code a <-> b} (blocking); returns when both directions have ended. */
    static void both(SocketChannel a, SocketChannel b) throws IOException {
        Thread back = Thread.ofVirtual().start(() -> copy(b, a));
        copy(a, b);
        try {
            back.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void copy(ByteChannel from, SocketChannel to) {
        ByteBuffer buffer = ByteBuffer.allocate(16 * 1024);
        try {
            while (from.read(buffer) >= 0) {
                buffer.flip();
                while (buffer.hasRemaining()) {
                    to.write(buffer);
                }
                buffer.clear();
            }
            to.shutdownOutput();
        } catch (IOException e) {
            try {
                to.close();
                from.close();
            } catch (IOException ignored) {
                // why: the other direction notices the close and ends too; nothing else to do
            }
        }
    }
}
