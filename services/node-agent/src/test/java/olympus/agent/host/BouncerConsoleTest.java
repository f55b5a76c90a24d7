package olympus.agent.host;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BouncerConsoleTest {
    // RFC 7677, section 3: user "user", password "pencil".
    private static final String SERVER_FIRST = "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";

    @Test
    void scramMatchesRfc7677() throws IOException {
        BouncerConsole.Scram s = new BouncerConsole.Scram("pencil", "rOprNGfwEbeRWgbNEkqO", "user");
        assertEquals("n,,n=user,r=rOprNGfwEbeRWgbNEkqO", s.clientFirst());
        assertEquals("c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",
                s.clientFinal(SERVER_FIRST));
        s.verifyServerFinal("v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=");
    }

    @Test
    void aServerThatDoesNotKnowThePasswordIsCaught() throws IOException {
        BouncerConsole.Scram s = new BouncerConsole.Scram("pencil", "rOprNGfwEbeRWgbNEkqO", "user");
        s.clientFirst();
        s.clientFinal(SERVER_FIRST);
        IOException e = assertThrows(IOException.class, () -> s.verifyServerFinal("v=AAAATRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="));
        assertTrue(e.getMessage().contains("server signature"), e.getMessage());
        assertThrows(BouncerConsole.ConsoleException.class, () -> s.verifyServerFinal("e=invalid-proof"));
    }

    @Test
    void aNonceThatDoesNotExtendOursIsRefused() {
        BouncerConsole.Scram s = new BouncerConsole.Scram("pencil", "abc", "");
        s.clientFirst();
        assertThrows(IOException.class, () -> s.clientFinal("r=xyz123,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096"));
    }

    @Test
    void theErrorMessageIsTheConsolesOwn() {
        byte[] body = "SERROR\0C08P01\0Malready suspended/paused\0\0".getBytes(StandardCharsets.UTF_8);
        assertEquals("already suspended/paused", BouncerConsole.errorText(body));
        assertEquals("PgBouncer refused (no message)", BouncerConsole.errorText(new byte[] {0}));
    }
}
