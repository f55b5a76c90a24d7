package olympus.agent.host;

import javax.crypto.Mac;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;
import javax.crypto.spec.SecretKeySpec;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;

/**
 * PgBouncer's admin console over the PostgreSQL v3 protocol, simple queries only.
 *
 * <p>Why not pgjdbc: the console reports PgBouncer's own version as {@code server_version}
 * ("1.18.0"), so pgjdbc takes it for a pre-9.0 server and sends {@code SET extra_float_digits}
 * during connection set-up, which the console refuses ("SET failed"). Why not psql, which the
 * agent used before: one process per command cost tens of milliseconds on every PAUSE, RESUME
 * and RELOAD of a switchover, in every region, while writes wait.
 *
 * <p>Authentication: SCRAM-SHA-256 (what the rendered pgbouncer.ini asks), MD5 and clear text
 * (an operator's own auth_type). The server's SCRAM signature is checked, so a console that does
 * not know the password cannot pretend a PAUSE happened. With the deployment's TLS files, the
 * console is reached over TLS (SSLRequest first, as libpq does), PgBouncer's certificate checked.
 */
final class BouncerConsole implements AutoCloseable {
    /** A refusal by PgBouncer, with its message as the console gave it ("already suspended/paused", ...). */
    static final class ConsoleException extends IOException {
        ConsoleException(String message) {
            super(message);
        }
    }

    private static final int PROTOCOL_3 = 196608;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Socket socket;
    private final DataInputStream in;
    private final DataOutputStream out;

    private BouncerConsole(Socket socket) throws IOException {
        this.socket = socket;
        this.in = new DataInputStream(new BufferedInputStream(socket.getInputStream()));
        this.out = new DataOutputStream(new BufferedOutputStream(socket.getOutputStream()));
    }

    /**
     * Connects and authenticates to database {@code pgbouncer}; {@code timeout} bounds the
     * connect and every later read (a PAUSE waits for server connections to be released).
     */
    static BouncerConsole open(String host, int port, String user, String password, Duration connectTimeout, Duration timeout,
                               olympus.tls.TlsFiles tls) throws IOException {
        Socket s = new Socket();
        try {
            s.setTcpNoDelay(true);
            s.connect(new InetSocketAddress(host, port), (int) Math.max(1, connectTimeout.toMillis()));
            s.setSoTimeout((int) Math.max(1, timeout.toMillis()));
            if (tls != null) {
                s = startTls(s, host, port, tls);
            }
            BouncerConsole c = new BouncerConsole(s);
            c.startup(user, password == null ? "" : password);
            return c;
        } catch (IOException | RuntimeException e) {
            s.close();
            throw e;
        }
    }

    /**
     * The protocol's SSLRequest, then a TLS handshake verifying PgBouncer's certificate against the
     * deployment's CA and the address dialled (as pgjdbc's verify-full): the admin password never
     * crosses the network in a channel an impostor could hold.
     */
    private static Socket startTls(Socket plain, String host, int port, olympus.tls.TlsFiles tls) throws IOException {
        DataOutputStream o = new DataOutputStream(plain.getOutputStream());
        o.writeInt(8);
        o.writeInt(80877103);
        o.flush();
        int answer = plain.getInputStream().read();
        if (answer != 'S') {
            throw new IOException("PgBouncer at " + host + ":" + port + " refused TLS (answered '" + (char) answer
                    + "'): set client_tls_sslmode and its key files in pgbouncer.ini");
        }
        javax.net.ssl.SSLSocket ssl = (javax.net.ssl.SSLSocket) tls.sslContext().getSocketFactory().createSocket(plain, host, port, true);
        javax.net.ssl.SSLParameters p = ssl.getSSLParameters();
        p.setEndpointIdentificationAlgorithm("HTTPS");
        ssl.setSSLParameters(p);
        ssl.startHandshake();
        return ssl;
    }

    /** Bounds every later read (a kept console serves calls with different timeouts). */
    void timeout(Duration timeout) throws IOException {
        socket.setSoTimeout((int) Math.max(1, timeout.toMillis()));
    }

    /** Runs each command in turn; the first refusal ends the run with PgBouncer's message. */
    void run(List<String> commands) throws IOException {
        for (String sql : commands) {
            byte[] q = cstring(sql);
            out.writeByte('Q');
            out.writeInt(4 + q.length);
            out.write(q);
            out.flush();
            String error = null;
            while (true) {
                Msg m = read();
                if (m.type == 'E') {
                    error = errorText(m.body);
                } else if (m.type == 'Z') {
                    break;
                }
            }
            if (error != null) {
                throw new ConsoleException(error);
            }
        }
    }

    private void startup(String user, String password) throws IOException {
        ByteArrayOutputStream params = new ByteArrayOutputStream();
        for (String p : List.of("user", user, "database", "pgbouncer", "application_name", "olympus-node-agent")) {
            params.write(cstring(p));
        }
        params.write(0);
        out.writeInt(8 + params.size());
        out.writeInt(PROTOCOL_3);
        params.writeTo(out);
        out.flush();
        Scram scram = null;
        while (true) {
            Msg m = read();
            switch (m.type) {
                case 'R' -> {
                    int code = m.int32(0);
                    switch (code) {
                        case 0 -> { }
                        case 3 -> password(cstring(password));
                        case 5 -> password(cstring("md5" + md5Hex(md5Hex(password + user).getBytes(StandardCharsets.UTF_8),
                                java.util.Arrays.copyOfRange(m.body, 4, 8))));
                        case 10 -> {
                            if (!new String(m.body, 4, m.body.length - 4, StandardCharsets.UTF_8).contains("SCRAM-SHA-256")) {
                                throw new IOException("PgBouncer offers no SASL mechanism this agent speaks (wants SCRAM-SHA-256)");
                            }
                            scram = new Scram(password);
                            byte[] first = scram.clientFirst().getBytes(StandardCharsets.UTF_8);
                            byte[] mech = cstring("SCRAM-SHA-256");
                            out.writeByte('p');
                            out.writeInt(4 + mech.length + 4 + first.length);
                            out.write(mech);
                            out.writeInt(first.length);
                            out.write(first);
                            out.flush();
                        }
                        case 11 -> password(scram(scram).clientFinal(new String(m.body, 4, m.body.length - 4, StandardCharsets.UTF_8))
                                .getBytes(StandardCharsets.UTF_8));
                        case 12 -> scram(scram).verifyServerFinal(new String(m.body, 4, m.body.length - 4, StandardCharsets.UTF_8));
                        default -> throw new IOException("PgBouncer asks for authentication method " + code
                                + ", which this agent does not speak (set auth_type to scram-sha-256, md5 or plain)");
                    }
                }
                case 'E' -> throw new ConsoleException(errorText(m.body));
                case 'Z' -> {
                    return;
                }
                default -> { } // ParameterStatus, BackendKeyData, notices
            }
        }
    }

    private static Scram scram(Scram s) throws IOException {
        if (s == null) {
            throw new IOException("PgBouncer sent a SCRAM message before SCRAM started");
        }
        return s;
    }

    private void password(byte[] body) throws IOException {
        out.writeByte('p');
        out.writeInt(4 + body.length);
        out.write(body);
        out.flush();
    }

    private record Msg(char type, byte[] body) {
        int int32(int at) {
            return ((body[at] & 0xff) << 24) | ((body[at + 1] & 0xff) << 16) | ((body[at + 2] & 0xff) << 8) | (body[at + 3] & 0xff);
        }
    }

    private Msg read() throws IOException {
        try {
            int type = in.read();
            if (type < 0) {
                throw new EOFException("PgBouncer closed the admin connection");
            }
            int len = in.readInt();
            if (len < 4 || len > 1 << 20) {
                throw new IOException("not a PostgreSQL protocol message from PgBouncer (length " + len + ")");
            }
            byte[] body = new byte[len - 4];
            in.readFully(body);
            return new Msg((char) type, body);
        } catch (SocketTimeoutException e) {
            throw new SocketTimeoutException("PgBouncer did not answer within " + socket.getSoTimeout() + " ms");
        }
    }

    /** The ErrorResponse's message field (M), as psql would print it. */
    static String errorText(byte[] body) {
        String message = null;
        int i = 0;
        while (i < body.length && body[i] != 0) {
            char field = (char) body[i++];
            int end = i;
            while (end < body.length && body[end] != 0) {
                end++;
            }
            String value = new String(body, i, end - i, StandardCharsets.UTF_8);
            if (field == 'M') {
                message = value;
            }
            i = end + 1;
        }
        return message == null ? "PgBouncer refused (no message)" : message;
    }

    private static byte[] cstring(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        byte[] r = java.util.Arrays.copyOf(b, b.length + 1);
        return r;
    }

    private static String md5Hex(byte[]... parts) {
        try {
            MessageDigest md = MessageDigest.getInstance("MD5");
            for (byte[] p : parts) {
                md.update(p);
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String md5Hex(String s) {
        return md5Hex(s.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public void close() {
        try {
            out.writeByte('X');
            out.writeInt(4);
            out.flush();
        } catch (IOException ignored) {
            // closing anyway
        }
        try {
            socket.close();
        } catch (IOException ignored) {
            // nothing left to do
        }
    }

    /** RFC 5802/7677 SCRAM-SHA-256 client, without channel binding (no TLS on this link). */
    static final class Scram {
        private final String password;
        private final String clientNonce;
        private final String saslUser;
        private String clientFirstBare;
        private byte[] serverSignature;

        Scram(String password) {
            // PostgreSQL and PgBouncer take the user from the start-up message; libpq sends n= empty.
            this(password, nonce(), "");
        }

        /** With a chosen nonce and user name: RFC 7677's test vector. */
        Scram(String password, String clientNonce, String saslUser) {
            this.password = password;
            this.clientNonce = clientNonce;
            this.saslUser = saslUser;
        }

        private static String nonce() {
            byte[] b = new byte[18];
            RANDOM.nextBytes(b);
            return Base64.getEncoder().encodeToString(b);
        }

        String clientFirst() {
            clientFirstBare = "n=" + saslUser + ",r=" + clientNonce;
            return "n,," + clientFirstBare;
        }

        String clientFinal(String serverFirst) throws IOException {
            String nonce = attr(serverFirst, 'r');
            if (!nonce.startsWith(clientNonce)) {
                throw new IOException("PgBouncer's SCRAM nonce does not extend ours: refusing to authenticate");
            }
            byte[] salt = Base64.getDecoder().decode(attr(serverFirst, 's'));
            int iterations = Integer.parseInt(attr(serverFirst, 'i'));
            String withoutProof = "c=biws,r=" + nonce;
            String authMessage = clientFirstBare + "," + serverFirst + "," + withoutProof;
            try {
                byte[] salted = salted(password, salt, iterations);
                byte[] clientKey = hmac(salted, "Client Key");
                byte[] storedKey = MessageDigest.getInstance("SHA-256").digest(clientKey);
                byte[] signature = hmac(storedKey, authMessage);
                byte[] proof = new byte[clientKey.length];
                for (int i = 0; i < proof.length; i++) {
                    proof[i] = (byte) (clientKey[i] ^ signature[i]);
                }
                serverSignature = hmac(hmac(salted, "Server Key"), authMessage);
                return withoutProof + ",p=" + Base64.getEncoder().encodeToString(proof);
            } catch (GeneralSecurityException e) {
                throw new IOException("SCRAM: " + e.getMessage(), e);
            }
        }

        void verifyServerFinal(String serverFinal) throws IOException {
            if (serverFinal.startsWith("e=")) {
                throw new ConsoleException("SCRAM refused by PgBouncer: " + serverFinal.substring(2));
            }
            byte[] v = Base64.getDecoder().decode(attr(serverFinal, 'v'));
            if (serverSignature == null || !MessageDigest.isEqual(v, serverSignature)) {
                throw new IOException("PgBouncer's SCRAM server signature is wrong: it does not know the admin password");
            }
        }

        private record Salted(String password, byte[] salt, int iterations, byte[] key) {}

        /** The last PBKDF2 result: PgBouncer keeps a user's salt, and 4,096 rounds cost ~15 ms a command. */
        private static volatile Salted lastSalted;

        private static byte[] salted(String password, byte[] salt, int iterations) throws GeneralSecurityException {
            Salted last = lastSalted;
            if (last != null && last.iterations == iterations && last.password.equals(password) && MessageDigest.isEqual(last.salt, salt)) {
                return last.key;
            }
            byte[] key = SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256")
                    .generateSecret(new PBEKeySpec(password.toCharArray(), salt, iterations, 256)).getEncoded();
            lastSalted = new Salted(password, salt.clone(), iterations, key);
            return key;
        }

        private static String attr(String message, char name) throws IOException {
            for (String part : message.split(",")) {
                if (part.length() >= 2 && part.charAt(0) == name && part.charAt(1) == '=') {
                    return part.substring(2);
                }
            }
            throw new IOException("SCRAM message from PgBouncer has no '" + name + "=' attribute");
        }

        private static byte[] hmac(byte[] key, String data) throws GeneralSecurityException {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(data.getBytes(StandardCharsets.UTF_8));
        }
    }
}
