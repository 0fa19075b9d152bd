package dev.magnet.gateway;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;

/** Copies bytes both ways between a client and its upstream connection until both directions are done. */
final class Pipes {
    private static final int BUFFER_BYTES = 16 * 1024;

    private Pipes() {
    }

    /**
     * Pumps {@code client <-> upstream} (blocking); returns when both directions have ended. The end of one side's
     * input is passed on as the end of the other side's output (a half-close). When the client goes away, both
     * connections are closed, so the upstream stops answering. When the upstream stops taking the client's bytes
     * (the relay refuses a request without reading its body, then closes), the client's further bytes are read
     * and dropped until it ends, so that the upstream's answer still reaches it.
     */
    static Traffic both(SocketChannel client, SocketChannel upstream) throws IOException {
        long[] received = new long[1];
        Thread back = Thread.ofVirtual().start(() -> received[0] = answer(upstream, client));
        long sent = request(client, upstream);
        try {
            back.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return new Traffic(sent, received[0]);
    }

    /** Bytes that went from the client to the upstream, and back. */
    record Traffic(long sent, long received) {
    }

    private static long request(SocketChannel client, SocketChannel upstream) {
        long total = 0;
        ByteBuffer buffer = ByteBuffer.allocate(BUFFER_BYTES);
        boolean forwarding = true;
        try {
            while (client.read(buffer) >= 0) {
                buffer.flip();
                total += buffer.remaining();
                if (forwarding) {
                    // why: closing a connection that holds unread input resets it, and a reset can overtake the
                    // answer still on its way: the agent saw "empty reply" instead of the relay's 413
                    forwarding = writeAll(buffer, upstream);
                }
                buffer.clear();
            }
            if (forwarding) {
                upstream.shutdownOutput();
            }
        } catch (IOException e) {
            closeQuietly(client, upstream);
        }
        return total;
    }

    private static long answer(SocketChannel upstream, SocketChannel client) {
        ByteBuffer buffer = ByteBuffer.allocate(BUFFER_BYTES);
        long total = 0;
        try {
            while (upstream.read(buffer) >= 0) {
                buffer.flip();
                total += buffer.remaining();
                if (!writeAll(buffer, client)) {
                    closeQuietly(client, upstream);
                    return total;
                }
                buffer.clear();
            }
        } catch (IOException e) {
            // why: the upstream ended its side (a reset after its answer is an end too); what it sent is delivered
        }
        try {
            client.shutdownOutput();
        } catch (IOException e) {
            closeQuietly(client, upstream);
        }
        return total;
    }

    /** Writes the buffer out; false when the connection no longer takes bytes. */
    private static boolean writeAll(ByteBuffer buffer, SocketChannel to) {
        try {
            while (buffer.hasRemaining()) {
                to.write(buffer);
            }
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static void closeQuietly(SocketChannel... channels) {
        for (SocketChannel channel : channels) {
            try {
                channel.close();
            } catch (IOException ignored) {
                // why: the other direction notices the close and ends too; nothing else to do
            }
        }
    }
}
