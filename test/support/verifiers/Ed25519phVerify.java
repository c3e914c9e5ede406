/*
 * Ed25519ph verification with the JDK's own EdDSA (SunEC, JEP 339), independent of Trent's signer:
 * EdDSAParameterSpec(prehash = true) is RFC 8032 Ed25519ph with the empty context, and the JDK
 * computes PH(M) = SHA-512(M) of the bytes it is given.
 *
 * Usage: java Ed25519phVerify.java <cases file>, one case a line: spkiHex messageHex signatureHex.
 * Prints true or false per line.
 */
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.EdDSAParameterSpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.HexFormat;

public class Ed25519phVerify {
    public static void main(String[] args) throws Exception {
        HexFormat hex = HexFormat.of();
        for (String line : Files.readAllLines(Path.of(args[0]))) {
            if (line.isBlank()) continue;
            String[] f = line.trim().split(" ");
            PublicKey key = KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(hex.parseHex(f[0])));
            Signature verifier = Signature.getInstance("Ed25519");
            verifier.setParameter(new EdDSAParameterSpec(true));
            verifier.initVerify(key);
            verifier.update(f.length > 1 ? hex.parseHex(f[1]) : new byte[0]);
            boolean ok;
            try {
                ok = verifier.verify(f.length > 2 ? hex.parseHex(f[2]) : new byte[0]);
            } catch (java.security.SignatureException e) {
                ok = false;
            }
            System.out.println(ok);
        }
    }
}
