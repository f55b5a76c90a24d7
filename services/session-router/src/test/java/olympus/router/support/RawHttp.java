package olympus.router.support;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * A minimal HTTP/1.1 keep-alive client on one socket (TCP_NODELAY, one write per request), for
 * the benchmark's load generator and the checker: it costs far less CPU per request than a
 * general client, so on a 2-core machine more of the CPU is left to the server being measured.
 * Not thread-safe: one per thread. Handles Content-Length and chunked bodies. With a token, every
 * request carries {@code Authorization: Bearer <token>} (the router's router.api-tokens).
 */
public final class RawHttp implements AutoCloseable {
    public record Response(int status, String body) {}

    private final String host;
    private final int port;
    /** The header line(s) every request carries after Host: empty, or the Authorization line. */
    private final String extraHeaders;
    private Socket socket;
    private InputStream in;
    private OutputStream out;

    public RawHttp(String host, int port) {
        this(host, port, null);
    }

    /** @param bearerToken sent on every request; null for none */
    public RawHttp(String host, int port, String bearerToken) {
        this.host = host;
        this.port = port;
        this.extraHeaders = bearerToken == null ? "" : "Authorization: Bearer " + bearerToken + "\r\n";
    }

    private void open() throws IOException {
        socket = new Socket();
        socket.setTcpNoDelay(true);
        socket.setSoTimeout(10_000);
        socket.connect(new InetSocketAddress(host, port), 3000);
        in = new BufferedInputStream(socket.getInputStream(), 16 * 1024);
        out = socket.getOutputStream();
    }

    public Response get(String pathAndQuery) throws IOException {
        return send(("GET " + pathAndQuery + " HTTP/1.1\r\nHost: " + host + "\r\n" + extraHeaders + "\r\n").getBytes(StandardCharsets.US_ASCII));
    }

    public Response post(String path, String json) throws IOException {
        byte[] b = json.getBytes(StandardCharsets.UTF_8);
        byte[] head = ("POST " + path + " HTTP/1.1\r\nHost: " + host + "\r\n" + extraHeaders + "Content-Type: application/json\r\nContent-Length: "
                + b.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
        byte[] all = new byte[head.length + b.length];
        System.arraycopy(head, 0, all, 0, head.length);
        System.arraycopy(b, 0, all, head.length, b.length);
        return send(all);
    }

    private Response send(byte[] req) throws IOException {
        for (int attempt = 0; ; attempt++) {
            try {
                if (socket == null) {
                    open();
                }
                out.write(req);
                out.flush();
                return read();
            } catch (IOException e) {
                close();
                if (attempt > 0) {
                    throw e;
                }
            }
        }
    }

    private Response read() throws IOException {
        String status = line();
        int code = Integer.parseInt(status.substring(9, 12));
        int length = -1;
        boolean chunked = false;
        boolean closeAfter = false;
        String h;
        while (!(h = line()).isEmpty()) {
            int colon = h.indexOf(':');
            String name = h.substring(0, colon).trim();
            String value = h.substring(colon + 1).trim();
            if (name.equalsIgnoreCase("content-length")) {
                length = Integer.parseInt(value);
            } else if (name.equalsIgnoreCase("transfer-encoding") && value.equalsIgnoreCase("chunked")) {
                chunked = true;
            } else if (name.equalsIgnoreCase("connection") && value.equalsIgnoreCase("close")) {
                closeAfter = true;
            }
        }
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        if (chunked) {
            while (true) {
                int n = Integer.parseInt(line().trim(), 16);
                if (n == 0) {
                    line();
                    break;
                }
                body.write(in.readNBytes(n));
                line();
            }
        } else if (length > 0) {
            body.write(in.readNBytes(length));
        }
        if (closeAfter) {
            close();
        }
        return new Response(code, body.toString(StandardCharsets.UTF_8));
    }

    private String line() throws IOException {
        StringBuilder sb = new StringBuilder();
        int c;
        while ((c = in.read()) != -1) {
            if (c == '\n') {
                int len = sb.length();
                return len > 0 && sb.charAt(len - 1) == '\r' ? sb.substring(0, len - 1) : sb.toString();
            }
            sb.append((char) c);
        }
        throw new IOException("connection closed");
    }

    @Override
    public void close() {
        if (socket != null) {
            try {
                socket.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
        socket = null;
    }
}
